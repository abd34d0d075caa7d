/**
 * The warning for a channel parked in our app whose id chut may not put in a REST path (events.ts CHANNEL_ID): chut
 * cannot `continue` that channel, so the call waits in Stasis until the snippet's absolute timeout takes it back. chut
 * meets such a channel at its StasisStart, or in the orphan sweep after a connection (parked before it). Whatever made
 * such ids (an originate with its own `channelId`) goes on making them: the first at once, then at most one line
 * every 10 minutes, with how many calls it held meanwhile, wherever they were seen. The adapter warns of each channel
 * once (refusedChannelKey): a channel met at its StasisStart and listed again by a sweep is one call.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import { countedGrouped } from '../plural.js';
import { quoteShown } from '../show-invisible.js';
import { throttledWarning } from '../throttled-warning.js';
import type { ParkedChannel } from './events.js';

const EVERY_MS = 10 * 60_000;
/** A usable id is at most 128 characters: showing as much tells which channel it was. */
const SHOWN_CHARS = 128;

/** Where chut met the channel: its StasisStart, or the orphan sweep's `GET /channels`. */
export type RefusedChannelSeen = 'stasis-start' | 'sweep';

const SEEN: Record<RefusedChannelSeen, (shown: string) => string> = {
  'stasis-start': (shown) => `StasisStart for channel ${shown}`,
  sweep: (shown) => `channel ${shown} found parked in our app by the sweep after a connection`,
};

/**
 * One key per refused channel, to count it once: its id and creation time, so that a custom id an originate gives
 * again to a later call is another call. Hashed: the id may be as long as a frame, and the key is kept for an hour.
 * The `:` keeps it apart from every usable id (events.ts CHANNEL_ID), kept in the same set of counted channels.
 */
export function refusedChannelKey(channel: ParkedChannel): string {
  const hash = createHash('sha256').update(JSON.stringify([channel.id, channel.creationtime])).digest('base64');
  return `refused:${hash}`;
}

/** Returns what to call with each refused id (raw, as Asterisk sent it) and where it was seen. */
export function refusedChannelWarning(logger: Logger): (id: string, seen: RefusedChannelSeen) => void {
  let latest = '';
  let latestSeen: RefusedChannelSeen = 'stasis-start';
  const warn = throttledWarning(logger, EVERY_MS, (times) =>
    `ARI: ${SEEN[latestSeen](quoteShown(latest, SHOWN_CHARS))}, an id chut cannot use in a REST path (letters, digits, ".", "_" and "-", ` +
    'at most 128, not "." or ".."): chut cannot send such a call on, so it waits in Stasis until the snippet\'s ' +
    `TIMEOUT(absolute) takes it back (a call rings, a feature code beeps); ${countedGrouped(times, 'such call', 'such calls')} since chut started or ` +
    'last warned of it');
  return (id, seen) => {
    latest = id;
    latestSeen = seen;
    warn();
  };
}
