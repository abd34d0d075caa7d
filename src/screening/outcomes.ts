/**
 * Reputation effects of what happened on a call or what a user said: captcha outcomes, spam/allow reports,
 * and auto-blocking when a score crosses the threshold.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { CaptchaOutcome, ReputationStore } from '../reputation/types.js';
import { outcomeUpdate, shouldAutoBlock, type ReputationEvent } from './reputation-effects.js';
import { safely } from './screener.js';
import type { ScreeningObserver, UserReportKind } from './types.js';
import { DAY_MS } from '../time-units.js';

export interface OutcomeDeps {
  store: ReputationStore;
  config: Readonly<Config>;
  logger: Logger;
  observers: ScreeningObserver[];
  clock: () => number;
}

export interface Outcomes {
  /** `verstat`: the call's STIR/SHAKEN result, when the PBX gave one. */
  captcha(e164: string, outcome: CaptchaOutcome, verstat?: string | null): Promise<void>;
  report(e164: string, kind: UserReportKind, source: string): Promise<void>;
}

/** A report of a number the same kind of report was applied to less than this ago changes nothing: users press `*77`
 * again when unsure it worked, and one call must not count as two reports (nor double the score). */
export const REPORT_ONCE_WITHIN_MS = 10 * 60_000;
const REPORT_REASON = { spam: 'reported as spam', allow: 'reported as wanted' } as const;

/** A caller ID that failed STIR/SHAKEN verification is probably spoofed: what the caller did says nothing of its owner. */
function failedVerification(verstat: string | null | undefined): boolean {
  return typeof verstat === 'string' && /^TN-Validation-Failed$/i.test(verstat);
}

export function createOutcomes(deps: OutcomeDeps): Outcomes {
  const rep = deps.config.reputation;

  /** What the store knows of a number now (a read: the call is not counted again). */
  function factsOf(e164: string, now: number) {
    return deps.store.lookup({ e164, rateWindowsSec: [], blockDigits: 8, now });
  }

  /**
   * Decided on the score as stored after this outcome (calls that overlap each see the others'), and added only if
   * the number is listed nowhere yet, so that it happens once. The allowlist wins, by an exact entry or a prefix,
   * whichever rule challenged the caller. An auto-block expires: a robot may have spoofed a real number.
   */
  async function autoBlock(e164: string, score: number, now: number, verstat: string | null | undefined): Promise<void> {
    if (failedVerification(verstat)) {
      deps.logger.info({ caller: e164, score, verstat }, 'not auto-blocked: the caller ID failed STIR/SHAKEN verification');
      return;
    }
    if ((await factsOf(e164, now)).listed?.list === 'allow') return;
    const expiresAt = rep.autoBlockDays > 0 ? now + rep.autoBlockDays * DAY_MS : null;
    const added = await deps.store.addListEntryIfUnlisted({
      list: 'block', entry: { kind: 'number', e164 }, reason: `auto: score ${Math.round(score)}`, source: 'auto', addedAt: now, expiresAt,
    });
    if (!added) return;
    deps.logger.info({ caller: e164, score, days: rep.autoBlockDays || null }, 'number auto-blocked');
    for (const o of deps.observers) safely(() => o.onAutoBlock?.(e164, score));
    // A blocked number is never challenged, so its score would only decay meanwhile (with the defaults, to half by
    // the time a 30-day block ends, under the high-score rule): held until the block ends, a robot still calling
    // then is challenged again, and blocked again. The block stands without it.
    if (expiresAt !== null) {
      await deps.store.applyOutcome({ e164, now, scoreDelta: 0, halfLifeMs: rep.halfLifeDays * DAY_MS, counter: null, holdUntil: expiresAt })
        .catch((err: unknown) => deps.logger.warn({ caller: e164, err: String(err) }, 'auto-blocked, but could not hold its score until the block ends'));
    }
  }

  async function apply(e164: string, event: ReputationEvent, verstat?: string | null, now = deps.clock()): Promise<void> {
    const update = outcomeUpdate(e164, event, rep, now);
    if (event.kind === 'report') update.once = { report: event.report, withinMs: REPORT_ONCE_WITHIN_MS };
    if (event.kind === 'captcha' && event.outcome === 'passed' && (await factsOf(e164, now)).reports > 0) {
      // The household said spam (and blockOnReport is off, or the number was unlisted since): a call-centre agent
      // who types the digits is a person, but must not be trusted past that. An allow report takes the reports back.
      update.trustedUntil = undefined;
      deps.logger.info({ caller: e164 }, 'captcha passed by a number reported as spam: not trusted');
    }
    const score = await deps.store.applyOutcome(update);
    // A report already blocklists on its own (blockOnReport); a pass lowers the score, and never blocks the one who
    // passed (a number reported before may still sit above the threshold).
    if (event.kind === 'captcha' && event.outcome !== 'passed' && shouldAutoBlock(score, rep.autoBlockScore)) await autoBlock(e164, score, now, verstat);
  }

  async function report(e164: string, kind: UserReportKind, source: string): Promise<void> {
    const now = deps.clock();
    const entry = { kind: 'number' as const, e164 };
    const list = kind === 'allow' ? 'allow' : 'block';
    const other = kind === 'allow' ? 'block' : 'allow';
    const listed = await deps.store.getListEntry(entry);
    const own = listed.find((r) => r.list === list && (r.expiresAt === null || r.expiresAt > now));
    const onOther = listed.some((r) => r.list === other);
    // Listed for this very report already (a repeated *77, an API report of a number *77 blocked): said already,
    // the score and the report count do not grow again. Otherwise counted once within REPORT_ONCE_WITHIN_MS (the
    // outcome script's own check, so that reports racing on two instances count once too).
    const repeated = own !== undefined && own.reason === REPORT_REASON[kind];
    if (!repeated) await apply(e164, { kind: 'report', report: kind }, undefined, now);
    // A report moves the number between lists in one write: left on the allowlist, a number reported as spam would
    // still ring (allow wins), and the other way round. An entry already on the list the report puts the number on
    // stays as it is (its reason and expiry are the user's, or a report's already): only chut's own auto-block
    // gives way to a spam report's block.
    const keep = own !== undefined && own.source !== 'auto';
    if (kind === 'spam' && !rep.blockOnReport) {
      if (onOther) await deps.store.removeListEntry(entry, 'allow');
    } else if (!keep) {
      await deps.store.addListEntry({ list, entry, reason: REPORT_REASON[kind], source, addedAt: now, expiresAt: null }, { exclusive: true });
    } else if (onOther) {
      await deps.store.removeListEntry(entry, other);
    }
    deps.logger.info({ caller: e164, kind, source, ...(repeated ? { repeated } : {}), ...(keep && !repeated ? { kept: own.reason } : {}) }, 'user report');
  }

  return { captcha: (e164, outcome, verstat) => apply(e164, { kind: 'captcha', outcome }, verstat), report };
}
