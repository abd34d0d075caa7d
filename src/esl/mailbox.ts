/**
 * Whether a voicemail box exists, asked of FreeSWITCH over the call's own outbound socket before the voicemail
 * app is queued. mod_voicemail given an id it cannot find logs "Can't find user", plays goodbye and returns; the
 * hangup chut queues after it then ends the call. The app leaves no status behind (Asterisk has VMSTATUS=FAILED,
 * mod_voicemail sets nothing on failure) and `continue_on_fail` does not apply to it, so neither the dialplan nor
 * chut can notice the failure afterwards: the only safe moment to decide is before it runs.
 *
 * Four `api` commands, each answered by an `api/response` (framing as in esl-outbound-session.txt):
 * - `module_exists mod_voicemail`: `true` or `false`, no newline. Without the module the app is an "Invalid
 *   Application", which FreeSWITCH answers by hanging the call up (DESTINATION_OUT_OF_ORDER).
 * - `uuid_getvar <uuid> domain_name`: the value `${domain_name}` will expand to in the voicemail app (uuid_getvar
 *   resolves a variable the same way: channel variable, caller profile, then the global of that name from
 *   vars.xml); `_undef_` when it has none.
 * - `user_exists id <box> <domain>`, then `user_exists number-alias <box> <domain>` (mod_voicemail looks a box
 *   up by `id:number-alias`, user_exists takes one key at a time). Each answers `true` or `false`, no newline.
 * Anything but `true` (an error, a timeout, an unusable domain, the connection gone) counts as "does not exist":
 * the caller then rings instead of being hung up on.
 */
import { plainCommand } from './command.js';
import type { EslConnection } from './connection.js';

/** A directory domain as it can appear in an `api` argument: a host name or an IPv4 address. */
const DOMAIN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
/** The FreeSWITCH call UUID (checked when the channel data was read; checked again before it reaches a command). */
const CALL_ID = /^[A-Za-z0-9-]{1,64}$/;

export interface MailboxCheck {
  exists: boolean;
  /** Why not, for the log line. */
  why?: string;
  domain?: string;
}

async function api(conn: EslConnection, command: string): Promise<string> {
  const reply = await conn.send(plainCommand(`api ${command}`));
  return reply.text.trim();
}

/** `box` must already satisfy argPattern.mailbox. */
export async function mailboxExists(conn: EslConnection, callId: string, box: string): Promise<MailboxCheck> {
  if (!CALL_ID.test(callId)) return { exists: false, why: 'no usable call id' };
  try {
    if ((await api(conn, 'module_exists mod_voicemail')) !== 'true') return { exists: false, why: 'mod_voicemail is not loaded' };
    const domain = await api(conn, `uuid_getvar ${callId} domain_name`);
    if (domain === '_undef_' || !DOMAIN.test(domain)) return { exists: false, why: `domain_name is ${JSON.stringify(domain.slice(0, 40))}` };
    for (const key of ['id', 'number-alias']) {
      if ((await api(conn, `user_exists ${key} ${box} ${domain}`)) === 'true') return { exists: true, domain };
    }
    return { exists: false, why: 'no such user in the directory', domain };
  } catch (err) {
    return { exists: false, why: `check failed: ${(err as Error).message}` };
  }
}
