/**
 * Reputation effects of what happened on a call or what a user said: captcha outcomes, spam/allow reports,
 * and auto-blocking when a score crosses the threshold.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { CaptchaOutcome, ReputationStore } from '../reputation/types.js';
import { outcomeUpdate, scoreAfter, shouldAutoBlock, type ReputationEvent } from './reputation-effects.js';
import { safely } from './screener.js';
import type { ScreeningObserver, UserReportKind } from './types.js';

export interface OutcomeDeps {
  store: ReputationStore;
  config: Readonly<Config>;
  logger: Logger;
  observers: ScreeningObserver[];
  clock: () => number;
}

export interface Outcomes {
  /** `scoreBefore` is the decayed score seen at decision time; when unknown it is looked up. */
  captcha(e164: string, outcome: CaptchaOutcome, scoreBefore?: number): Promise<void>;
  report(e164: string, kind: UserReportKind, source: string): Promise<void>;
}

export function createOutcomes(deps: OutcomeDeps): Outcomes {
  const rep = deps.config.reputation;

  async function currentScore(e164: string, now: number): Promise<number> {
    const facts = await deps.store.lookup({ e164, rateWindowsSec: [], blockDigits: 8, now });
    return facts.listed?.list === 'allow' ? -1 : facts.score;
  }

  async function apply(e164: string, event: ReputationEvent, scoreBefore?: number): Promise<void> {
    const now = deps.clock();
    const update = outcomeUpdate(e164, event, rep, now);
    const before = scoreBefore ?? (await currentScore(e164, now));
    await deps.store.applyOutcome(update);
    const after = scoreAfter(Math.max(0, before), update);
    // An allowlisted number (before = -1) is never auto-blocked; a report already blocklists on its own.
    if (before >= 0 && event.kind === 'captcha' && shouldAutoBlock(after, rep.autoBlockScore)) {
      await deps.store.addListEntry({
        list: 'block', entry: { kind: 'number', e164 }, reason: `auto: score ${Math.round(after)}`,
        source: 'auto', addedAt: now, expiresAt: null,
      });
      deps.logger.info({ caller: e164, score: after }, 'number auto-blocked');
      for (const o of deps.observers) safely(() => o.onAutoBlock?.(e164, after));
    }
  }

  async function report(e164: string, kind: UserReportKind, source: string): Promise<void> {
    const now = deps.clock();
    await apply(e164, { kind: 'report', report: kind }, 0);
    const entry = { kind: 'number' as const, e164 };
    // A report moves the number between lists in one write: left on the allowlist, a number reported as spam would
    // still ring (allow wins), and the other way round.
    if (kind === 'allow') {
      await deps.store.addListEntry({ list: 'allow', entry, reason: 'reported as wanted', source, addedAt: now, expiresAt: null }, { exclusive: true });
    } else if (rep.blockOnReport) {
      await deps.store.addListEntry({ list: 'block', entry, reason: 'reported as spam', source, addedAt: now, expiresAt: null }, { exclusive: true });
    } else {
      await deps.store.removeListEntry(entry, 'allow');
    }
    deps.logger.info({ caller: e164, kind, source }, 'user report');
  }

  return { captcha: (e164, outcome, scoreBefore) => apply(e164, { kind: 'captcha', outcome }, scoreBefore), report };
}
