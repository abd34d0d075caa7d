/** What each outcome does to a number's reputation: pure mapping from outcome to a store update. */
import type { Config } from '../config.js';
import type { CaptchaOutcome, OutcomeUpdate } from '../reputation/types.js';
import { DAY_MS } from '../time-units.js';

export type ReputationEvent = { kind: 'captcha'; outcome: CaptchaOutcome } | { kind: 'report'; report: 'spam' | 'allow' };

export function outcomeUpdate(e164: string, event: ReputationEvent, rep: Config['reputation'], now: number): OutcomeUpdate {
  const base = { e164, now, halfLifeMs: rep.halfLifeDays * DAY_MS };
  if (event.kind === 'report') {
    return event.report === 'spam'
      ? { ...base, scoreDelta: rep.deltas.spamReport, counter: 'reports', trustedUntil: null }
      : { ...base, scoreDelta: rep.deltas.allowReport, counter: null, resetReports: true };
  }
  switch (event.outcome) {
    case 'passed':
      return { ...base, scoreDelta: rep.deltas.captchaPassed, counter: 'passed', trustedUntil: now + rep.trustDays * DAY_MS };
    case 'failed':
      return { ...base, scoreDelta: rep.deltas.captchaFailed, counter: 'failed' };
    case 'timeout':
      return { ...base, scoreDelta: rep.deltas.captchaTimeout, counter: 'failed' };
    case 'hung-up':
      return { ...base, scoreDelta: rep.deltas.captchaHungUp, counter: 'hungUp' };
  }
}

/** Whether a score reached the auto-block threshold (0 disables auto-blocking). */
export function shouldAutoBlock(score: number, threshold: number): boolean {
  return threshold > 0 && score >= threshold;
}
