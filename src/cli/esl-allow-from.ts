/**
 * An ESL listener open to other hosts that still admits only this machine, said by `chut check-config` and logged by
 * `chut run` at start. `esl.listenHost: 0.0.0.0` is set for a FreeSWITCH on another host, or in front of chut in a
 * container (it then connects from the bridge gateway's address): with `esl.allowFrom` left at loopback, every one of
 * its calls is refused, and rings unscreened.
 */
import type { Config } from '../config.js';
import { allowsOnlyLoopback, isLoopbackHost } from '../peer-allow-list.js';

export function eslAllowFromWarnings(config: Readonly<Config>): string[] {
  const { enabled, listenHost, allowFrom } = config.esl;
  if (!enabled || isLoopbackHost(listenHost) || !allowsOnlyLoopback(allowFrom)) return [];
  return [`esl.listenHost is ${listenHost}, but esl.allowFrom (${allowFrom.join(', ')}) allows this machine only: a FreeSWITCH ` +
    'on another host, or outside chut\'s container, is refused and its calls ring unscreened. Add the address FreeSWITCH ' +
    'connects from to esl.allowFrom, e.g. allowFrom: [127.0.0.0/8, ::1, 192.168.1.20] (in Docker with a published port: the ' +
    'bridge gateway\'s, e.g. 172.17.0.1)'];
}
