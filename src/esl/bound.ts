/**
 * The dial plan's bound on a hung chut. dialplan/freeswitch/chut.xml's chut-screen runs, before `socket`:
 * `set chut_bound=<seconds>` and `sched_transfer +${chut_bound} ${destination_number} XML ${context}`, a task of
 * FreeSWITCH's core scheduler whose group is the call's uuid; and right after `socket`, `sched_cancel` (the same
 * group). A chut that never answers (stopped, its event loop blocked, its container paused: the kernel still accepts
 * the connection) thus loses the call after the bound: the scheduler transfers it back into its context, chut-screen
 * is skipped (`chut_screened`), and the normal route rings. Ringing by ending the socket needs nothing from chut.
 *
 * Every other way chut takes the call (answer for the captcha, voicemail, reject, a `transfer`) must first delete that
 * task, or the transfer would cut the captcha, the message or a ringing call: `api sched_del <uuid>`, answered
 * `+OK Deleted: <count>`. 0 means the task is gone: it already ran (the call is on its way to ring) or someone
 * deleted it, so chut sends nothing more and ends the socket (the call rings, recorded ring). The captcha re-arms a
 * bound as long as the longest captcha the configuration allows (`api sched_transfer +<s> <uuid> <destination> XML
 * <context>`, answered `+OK`), so a chut that hangs in the middle of a captcha still lets the call ring; the dial
 * plan's `sched_cancel` removes it when chut rings by ending the socket, and the next take-over deletes it.
 *
 * Only when the channel data carries `variable_chut_bound`: a chut.xml from before the bound has no `sched_cancel`
 * after `socket`, so a bound chut re-armed there would outlive the screening and cut the call later. The current
 * chut.xml arms none either (and sets `chut_bound_skipped`) for a dialled number outside argPattern.dialplanName:
 * sched_transfer splits its arguments on spaces, so the caller would choose where the bound sends the call.
 * Read in FreeSWITCH's source (mod_dptools, mod_commands, switch_scheduler.c, switch_ivr.c), run against the
 * simulator only: not yet against a real FreeSWITCH.
 */
import { argPattern, plainCommand } from './command.js';
import type { EslConnection } from './connection.js';
import { shownReply } from './reply.js';
import { quoteShown } from '../show-invisible.js';

/** Where the bound sends the call: the number and context chut-screen ran with (from the channel data). */
export interface BoundTarget {
  destination: string;
  context: string;
}

/** The bound chut.xml armed for this call, or null when the dial plan armed none (an older chut.xml). */
export function boundTargetFrom(data: Record<string, string>): BoundTarget | null {
  if (!data['variable_chut_bound']) return null;
  return {
    destination: data['Caller-Destination-Number'] ?? data['Channel-Destination-Number'] ?? '',
    context: data['Caller-Context'] ?? '',
  };
}

/** The FreeSWITCH call UUID (checked when the channel data was read; checked again before it reaches a command). */
const CALL_ID = /^[A-Za-z0-9-]{1,64}$/;

/** Whether chut may take the call; when not (the bound fired, or could not be deleted or re-armed), chut rings it. */
type TakeOver = { ok: true } | { ok: false; why: string };

export class ScreenBound {
  /** `armed`: a task of the call's group may be waiting; `clear`: none (deleted, or never armed by the dial plan). */
  private state: 'armed' | 'clear';

  constructor(
    private readonly api: (command: string) => Promise<string>,
    private readonly callId: string,
    private readonly target: BoundTarget | null,
  ) {
    this.state = target ? 'armed' : 'clear';
  }

  /**
   * Deletes the bound before chut takes the call, and re-arms one of `rearmS` seconds when given (captcha). Never
   * throws: anything unexpected (an error, a timeout, the connection gone) is "not ok", and the caller then rings.
   */
  async takeOver(rearmS?: number): Promise<TakeOver> {
    if (!this.target) return { ok: true };
    const { destination, context } = this.target;
    if (!CALL_ID.test(this.callId)) return { ok: false, why: 'no usable call id' };
    // Checked before anything is deleted: without a bound to re-arm, the captcha must not start.
    if (rearmS !== undefined && !(argPattern.dialplanName.test(destination) && argPattern.dialplanName.test(context))) {
      return { ok: false, why: `cannot re-arm the bound to ${quoteShown(destination, 40)} in ${quoteShown(context, 40)}` };
    }
    try {
      if (this.state === 'armed') {
        const reply = (await this.api(`sched_del ${this.callId}`)).trim();
        const deleted = /^\+OK Deleted: (\d+)$/.exec(reply);
        if (!deleted) return { ok: false, why: `sched_del answered ${shownReply(reply)}` };
        if (Number(deleted[1]) === 0) return { ok: false, why: 'the bound already fired: FreeSWITCH is ringing the call' };
        this.state = 'clear';
      }
      if (rearmS !== undefined) {
        const seconds = Math.max(1, Math.ceil(rearmS));
        const reply = (await this.api(`sched_transfer +${seconds} ${this.callId} ${destination} XML ${context}`)).trim();
        if (reply !== '+OK') return { ok: false, why: `sched_transfer answered ${shownReply(reply)}` };
        this.state = 'armed';
      }
      return { ok: true };
    } catch (err) {
      return { ok: false, why: `no answer: ${(err as Error).message}` };
    }
  }
}

/** `api <command>` over the call's outbound socket: the `api/response` body. */
export function apiOver(conn: EslConnection): (command: string) => Promise<string> {
  return async (command) => (await conn.send(plainCommand(`api ${command}`))).text;
}
