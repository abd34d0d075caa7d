/**
 * What a FreeSWITCH reply says. mod_event_socket answers every command it carries out with a `command/reply` whose
 * Reply-Text starts with `+OK`: `+OK accepted` (auth), `+OK event listener enabled plain`, `+OK Events Enabled`
 * (myevents), `+OK will linger 5 seconds`, `+OK` (sendmsg), `+OK Job-UUID: …` (bgapi), and `+OK` and a line break for
 * an outbound `connect` (url-encoded `%2BOK%0A`). Everything it refuses reads `-ERR …` (or `-USAGE: …` from an api).
 * Recorded in tests/fixtures/freeswitch (esl-inbound-auth, esl-outbound-session, esl-api-errors).
 *
 * Success is that form and nothing else: a reply with no `+OK` in front (empty, line breaks only, `-ERR` behind a bidi
 * override, another command's words) is not FreeSWITCH saying yes, whatever it lacks of a `-ERR`. Treating it as one
 * would log the monitor in on a refused password, or hold a call for a voicemail step that never runs.
 */
import { quoteShown } from '../show-invisible.js';

/** `+OK`, alone or followed by a space (its words) or a line break (the connect reply). Case as FreeSWITCH writes it. */
const ACCEPTED = /^\+OK(?:$|[ \n])/;

/** Whether a `command/reply`'s Reply-Text (url-decoded) is FreeSWITCH carrying the command out. */
export function replyAccepted(replyText: string): boolean {
  return ACCEPTED.test(replyText);
}

/** How much of a reply a warning quotes. */
const SHOWN_CHARS = 60;

/** A reply as a warning quotes it: between quotes, cut, its invisible characters as escapes (a bidi override can make
 * `-ERR dilavni` read `-ERR invalid`; an ESC sequence would recolour a terminal). */
export function shownReply(text: string): string {
  return quoteShown(text, SHOWN_CHARS);
}
