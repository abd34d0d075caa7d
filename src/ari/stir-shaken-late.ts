/**
 * The warning for STIR/SHAKEN results Asterisk did not give within `ari.stirShakenReadMs`: those calls were screened
 * without their verification, so a failed one could ring. It can happen on every call while Asterisk is slow: the
 * first at once, then at most one line every 10 minutes with how many calls since (its digits grouped, `1,500 calls`).
 */
import type { Logger } from '../logger.js';
import { countedGrouped, pluralNoun } from '../plural.js';
import { throttledWarning } from '../throttled-warning.js';

const EVERY_MS = 10 * 60_000;

/** What to call each time a read runs out of time. */
export function stirShakenLateWarning(logger: Logger, readMs: number): () => void {
  return throttledWarning(logger, EVERY_MS, (times) =>
    `ARI: Asterisk's STIR/SHAKEN result did not come within ari.stirShakenReadMs (${readMs} ms) for ` +
    `${countedGrouped(times, 'call')} since chut started or last warned of it: ${pluralNoun(times, 'that call was', 'those calls were')} screened without it, so a failed verification ` +
    'could ring. Raise ari.stirShakenReadMs if Asterisk is this slow, or set it to 0 if it does not verify identities.');
}
