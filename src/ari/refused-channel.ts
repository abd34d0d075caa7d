/**
 * The warning for a StasisStart whose channel id chut may not put in a REST path (events.ts CHANNEL_ID): chut cannot
 * `continue` that channel, so the call waits in Stasis until the snippet's absolute timeout takes it back. Whatever made
 * such ids (an originate with its own `channelId`) goes on making them: the first at once, then at most one line
 * every 10 minutes, with how many calls it held meanwhile.
 */
import type { Logger } from '../logger.js';
import { quoteShown } from '../show-invisible.js';
import { throttledWarning } from '../throttled-warning.js';

const EVERY_MS = 10 * 60_000;
/** A usable id is at most 128 characters: showing as much tells which channel it was. */
const SHOWN_CHARS = 128;

/** Returns what to call with each refused id (raw, as the frame had it). */
export function refusedChannelWarning(logger: Logger): (id: string) => void {
  let latest = '';
  const warn = throttledWarning(logger, EVERY_MS, (times) =>
    `ARI: StasisStart for channel ${quoteShown(latest, SHOWN_CHARS)}, an id chut cannot use in a REST path (letters, digits, ".", "_" and "-", ` +
    'at most 128, not "." or ".."): chut cannot send such a call on, so it waits in Stasis until the snippet\'s ' +
    `TIMEOUT(absolute) takes it back (a call rings, a feature code beeps); ${times} such call(s) since chut started or ` +
    'last warned of it');
  return (id) => {
    latest = id;
    warn();
  };
}
