/**
 * Whether FreeSWITCH can take a message for a box, asked over the call's own outbound socket before the voicemail
 * app is queued. mod_voicemail (voicemail_function, voicemail_leave_main) simply returns when it cannot: an unknown
 * profile ("Error invalid profile"), an unknown box ("Can't find user", then goodbye), a box whose user has
 * `vm-enabled=false` ("have voicemail disabled", not even a goodbye). The hangup chut queues after it then ends the
 * call. The app leaves no status behind (Asterisk has VMSTATUS=FAILED) and `continue_on_fail` does not apply to it,
 * so neither the dialplan nor chut can notice the failure afterwards: the only safe moment to decide is before.
 *
 * `api` commands, each answered by an `api/response` (framing as in esl-outbound-session.txt), in this order:
 * - `module_exists mod_voicemail`: `true` or `false`, no newline. Without the module the app is an "Invalid
 *   Application", which FreeSWITCH answers by hanging the call up (DESTINATION_OUT_OF_ORDER).
 * - `uuid_getvar <uuid> domain_name`: the value `${domain_name}` will expand to in the voicemail app (uuid_getvar
 *   resolves a variable the same way: channel variable, caller profile, then the global of that name from
 *   vars.xml); `_undef_` when it has none.
 * - `vm_boxcount <profile>/<box>@<domain>`: a message count, or `-ERR No such profile`.
 * - `user_exists id <box> <domain>`, then `user_exists number-alias <box> <domain>` (mod_voicemail looks a box
 *   up by `id:number-alias`, user_exists takes one key at a time). Each answers `true` or `false`, no newline.
 * - for a box found by its number-alias, `find_user_xml number-alias <box> <domain>`: the user's XML, for its id.
 * - `user_data <id>@<domain> param vm-enabled`: the value as the directory merges it (domain, group, user), or
 *   nothing. user_data looks users up by id only, hence the step before.
 * Anything unexpected (an error, a timeout, an unusable domain, the connection gone) counts as "cannot": the caller
 * then rings instead of being hung up on. A `vm-enabled` that cannot be read counts as enabled, as in mod_voicemail.
 * Not checked: a full mailbox (`vm-disk-quota`), which plays its own prompt before the hangup.
 */
import { argPattern, plainCommand } from './command.js';
import type { EslConnection } from './connection.js';
import { shownReply } from './reply.js';

/** A directory domain as it can appear in an `api` argument: a host name or an IPv4 address. */
const DOMAIN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
/** The FreeSWITCH call UUID (checked when the channel data was read; checked again before it reaches a command). */
const CALL_ID = /^[A-Za-z0-9-]{1,64}$/;
/** What switch_false() reads as false (switch_utils.h). */
const SWITCH_FALSE = /^(no|off|false|f|disabled|inactive|disallow|0+)$/i;

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

/** The directory id of the user a key finds: the box itself for `id`, read from the user's XML for an alias. */
async function userId(conn: EslConnection, box: string, domain: string): Promise<string | null | undefined> {
  if ((await api(conn, `user_exists id ${box} ${domain}`)) === 'true') return box;
  if ((await api(conn, `user_exists number-alias ${box} ${domain}`)) !== 'true') return null;
  const xml = await api(conn, `find_user_xml number-alias ${box} ${domain}`);
  const id = /<user\b[^>]*\sid="([^"]{1,64})"/.exec(xml)?.[1];
  return id !== undefined && argPattern.mailbox.test(id) ? id : undefined; // undefined: exists, id unreadable
}

/** `box` must already satisfy argPattern.mailbox and `profile` argPattern.dialplanName. */
export async function mailboxExists(conn: EslConnection, callId: string, box: string, profile: string): Promise<MailboxCheck> {
  if (!CALL_ID.test(callId)) return { exists: false, why: 'no usable call id' };
  try {
    if ((await api(conn, 'module_exists mod_voicemail')) !== 'true') return { exists: false, why: 'mod_voicemail is not loaded' };
    const domain = await api(conn, `uuid_getvar ${callId} domain_name`);
    if (domain === '_undef_' || !DOMAIN.test(domain)) return { exists: false, why: `domain_name is ${shownReply(domain)}` };
    if (!/^\d+$/.test(await api(conn, `vm_boxcount ${profile}/${box}@${domain}`))) {
      return { exists: false, why: `no voicemail profile "${profile}"`, domain };
    }
    const id = await userId(conn, box, domain);
    if (id === null) return { exists: false, why: 'no such user in the directory', domain };
    if (id !== undefined && SWITCH_FALSE.test(await api(conn, `user_data ${id}@${domain} param vm-enabled`))) {
      return { exists: false, why: `voicemail disabled for user ${id} (vm-enabled)`, domain };
    }
    return { exists: true, domain };
  } catch (err) {
    return { exists: false, why: `check failed: ${(err as Error).message}` };
  }
}
