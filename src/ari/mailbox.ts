/**
 * Whether Asterisk can take a message for a box, asked on the call's own channel before chut routes it to
 * voicemail. `VoiceMail()` that cannot (no such box) sets VMSTATUS=FAILED and the snippet rings, but by then chut
 * has let go and recorded voicemail; without app_voicemail (Debian ships it apart, in `asterisk-voicemail`) the
 * application does not exist at all. Asked first, the call rings and the record says so.
 *
 * `GET /channels/{id}/variable?variable=VM_INFO(<box>,exists)` (app_voicemail, Asterisk 11+): `{"value":"1"}` or
 * `"0"`. A function Asterisk cannot read, app_voicemail not loaded among them, answers
 * `500 Error With Function` (ast_ari_channels_get_channel_var, res/ari/resource_channels.c).
 */
import { VOICEMAIL_BOX } from '../voicemail-box.js';
import { AriHttpError, type AriRest } from './rest.js';

/** A box as it may appear inside a dialplan function argument (no comma, parenthesis, quote or space), and exactly
 * what chut-ari.conf's REGEX lets through: a box it refuses would ring there after chut recorded voicemail. */
export const MAILBOX = VOICEMAIL_BOX;

export interface MailboxCheck {
  exists: boolean;
  /** Why not, for the log line. */
  why?: string;
}

/** `box` must satisfy MAILBOX. A 404 (the channel gone) is rethrown: the caller hung up, not a missing box. */
export async function voicemailBoxExists(rest: AriRest, channelPath: string, box: string): Promise<MailboxCheck> {
  if (!MAILBOX.test(box)) return { exists: false, why: 'not a mailbox name' };
  try {
    const reply = await rest.request<{ value?: unknown }>('GET', `${channelPath}/variable`, { variable: `VM_INFO(${box},exists)` });
    if (reply?.value === '1') return { exists: true };
    return { exists: false, why: `no voicemail box ${box}` };
  } catch (err) {
    if (err instanceof AriHttpError && err.status === 404) throw err;
    if (err instanceof AriHttpError && err.status === 500) return { exists: false, why: `VM_INFO unreadable (is app_voicemail loaded?): ${err.reason}` };
    return { exists: false, why: `check failed: ${String(err)}` };
  }
}
