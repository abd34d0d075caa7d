/**
 * The fake FreeSWITCH for protocol tests: the built-in simulator plus fault injection. Each hook applies to
 * the calls placed after it is set; `reset()` clears them.
 */
import { EslSimulator, type EslSimulatorOptions } from '../../../src/sim/esl/index.js';
import type { LoginAnswers } from '../../../src/sim/esl/inbound.js';
import { noFaults } from '../../../src/sim/esl/sim-types.js';

export { EslSimulator, createEslSimulator, type EslOutcome, type EslFaults } from '../../../src/sim/esl/index.js';
export type { LoginAnswers, LoginStep } from '../../../src/sim/esl/inbound.js';

export class FakeFreeSwitch extends EslSimulator {
  constructor(opts: EslSimulatorOptions = {}) {
    super(opts);
  }

  /** FreeSWITCH cuts the outbound connection after chut's `n`-th command (1 = right after `connect`). */
  cutConnectionAfter(n: number): this {
    this.faults.cutAfterCommands = n;
    return this;
  }

  /** The connect reply stops halfway and the connection closes. */
  truncateConnectReply(): this {
    this.faults.truncateConnectReply = true;
    return this;
  }

  /** Garbage bytes follow the connect reply. */
  sendGarbage(): this {
    this.faults.garbageAfterConnect = true;
    return this;
  }

  /** Every reply is late by `ms`. */
  slowReplies(ms: number): this {
    this.faults.replyDelayMs = ms;
    return this;
  }

  /** The next `n` commands after `connect` are answered `-ERR`. */
  errOnNext(n = 1): this {
    this.faults.errNext = n;
    return this;
  }

  /** Sound files (matched inside each played path) this FreeSWITCH does not have: playback of one answers FILE NOT
   * FOUND; a file_string list skips them and plays the rest, as FreeSWITCH does. */
  missingFiles(...names: string[]): this {
    this.faults.missingFiles = names;
    return this;
  }

  /** chut's `sendmsg` execute of `app` is answered with garbage: chut ends the connection itself (protocol error). */
  garbleReplyTo(app: string): this {
    this.faults.garbleReplyTo = app;
    return this;
  }

  /** chut's `sendmsg` execute of `app` is refused (`-ERR memory error`, or `replyText` as written on the wire, url-encoded:
   * the app never runs); later commands are answered as usual. */
  refuseApp(app: string, replyText = '-ERR memory error'): this {
    this.faults.refuseApp = app;
    this.faults.refusalText = replyText;
    return this;
  }

  /** FreeSWITCH without this module (`mod_voicemail`): `module_exists` says false; its applications hang the call up. */
  unloadModule(module: string): this {
    this.faults.unloadedModules.push(module);
    return this;
  }

  /** A scheduled transfer (the dial plan's bound) ends the socket app without chut seeing the socket app's
   * CHANNEL_EXECUTE_COMPLETE: only `sched_del`'s `Deleted: 0` tells chut the bound fired. */
  dropSocketCompletion(): this {
    this.faults.dropSocketCompletion = true;
    return this;
  }

  /** When chut's `app` next starts, FreeSWITCH's scheduler clock jumps `seconds` ahead: a bound chut did not delete
   * fires then, in the middle of that app, whatever the app's length. */
  jumpClockOn(app: string, seconds: number): this {
    this.faults.clockJumpOn = { app, seconds };
    return this;
  }

  /** The inbound event socket (8021) refuses every connection as mod_event_socket does an address its
   * `apply-inbound-acl` denies: `text/rude-rejection` (`Access Denied, go away.`), a disconnect notice, a close. */
  denyInboundByAcl(deny = true): this {
    this.inbound.aclDenies = deny;
    return this;
  }

  /** Bytes as they are, malformed or not, on the inbound event socket (8021), to every client subscribed to events (chut's
   * monitor once logged in): what a broken FreeSWITCH or a garbled link could send between its events. Returns how many
   * clients got them (0: the monitor is not logged in). */
  writeInbound(bytes: Buffer | string): number {
    return this.inbound.writeRaw(bytes);
  }

  /** The inbound event socket's login frames (`auth/request`, the replies to `auth` and to `event`) replaced by what
   * `answers` returns for each, from now on (asked at each step, as it comes); null: FreeSWITCH's own again. */
  answerInboundLogins(answers: LoginAnswers | null): this {
    this.inbound.loginAnswers = answers;
    return this;
  }

  reset(): this {
    Object.assign(this.faults, noFaults());
    this.inbound.aclDenies = false;
    this.inbound.loginAnswers = null;
    return this;
  }
}
