/**
 * The warning for calls the ESL listener turns away unscreened (`maxConcurrent` calls already being screened, or chut
 * stopping): each got `connect` and a close, so it rang unscreened and unrecorded. Said at once, then at most once per
 * `everyMs` with how many, one line per reason: a line per call would flood the log when chut is busiest (/metrics
 * counts each one). Counts are written as the README writes them (`2,000 calls`); the `times` field stays a number.
 */
import type { Logger } from '../logger.js';
import { countedGrouped } from '../plural.js';
import type { UnscreenedReason } from '../screening/types.js';
import { throttledWarning } from '../throttled-warning.js';

/** Why the listener turns a call away unscreened. */
export type TurnedAway = Extract<UnscreenedReason, 'max-calls' | 'stopping'>;

export class UnscreenedCallWarnings {
  private readonly warnings: Record<TurnedAway, () => void>;

  constructor(
    logger: Logger,
    maxConcurrent: number,
    everyMs = 60_000,
    // monotonic, as throttledWarning's own clock
    now: () => number = () => performance.now(),
  ) {
    const why: Record<TurnedAway, string> = {
      'max-calls': `${countedGrouped(maxConcurrent, 'call')} being screened, the most at once`,
      stopping: 'chut stopping',
    };
    const warning = (reason: TurnedAway) => throttledWarning(logger, everyMs, (times) =>
      `ESL: ${countedGrouped(times, 'call')} not screened since chut started or last warned of it (${why[reason]}): each got connect ` +
      'and a close, so it rang unscreened and is not recorded', now);
    this.warnings = { 'max-calls': warning('max-calls'), stopping: warning('stopping') };
  }

  /** A call was turned away for `reason`. */
  turnedAway(reason: TurnedAway): void {
    this.warnings[reason]();
  }
}
