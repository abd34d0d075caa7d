/**
 * A warning about something that can happen on every call (a PBX read that keeps timing out): the first time at once,
 * then at most once per `everyMs`, each saying how many times it happened since the one before. The administrator
 * learns of it without a line per call.
 */
import type { Logger } from './logger.js';

export function throttledWarning(
  logger: Logger,
  everyMs: number,
  message: (times: number) => string,
  // monotonic: a wall clock set back (NTP, a wrong RTC at boot) would silence the warning for as long as it went back
  now: () => number = () => performance.now(),
): () => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let times = 0;
  return () => {
    times++;
    const t = now();
    if (t - lastAt < everyMs) return;
    logger.warn({ times }, message(times));
    lastAt = t;
    times = 0;
  };
}
