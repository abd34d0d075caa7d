/** Conditions on what the reputation store knows: score, reports, captcha failures, recent call rate. */
import { describeCaller, scoreText } from '../describe.js';
import { formatDuration } from '../duration.js';
import type { Condition, EvalContext } from '../policy-types.js';
import { counted } from '../../plural.js';

const finite = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? n : 0);

/**
 * `min` and `max` are both inclusive. Only a valid caller has a score: withheld and invalid callers get an empty
 * reputation (score 0), and a "clean caller" rule (`max: 20`) must not ring every withheld robocall.
 */
export function scoreCondition(min: number | undefined, max: number | undefined): Condition {
  const bounds = [min !== undefined ? `at least ${min}` : '', max !== undefined ? `at most ${max}` : ''].filter(Boolean).join(' and ');
  return {
    test: ({ facts }) => {
      if (facts.caller.kind !== 'valid') return false;
      const s = finite(facts.reputation.score);
      return (min === undefined || s >= min) && (max === undefined || s <= max);
    },
    explain: ({ facts }, held) => {
      if (facts.caller.kind !== 'valid') return [`caller ${describeCaller(facts.caller)} has no number, so no score`];
      const s = finite(facts.reputation.score);
      // one decimal reads as a bound it is not (20.05 as "20" against `max: 20`): then three
      const shown = [min, max].some((b) => b !== undefined && String(b) === scoreText(s) && b !== s)
        ? String(Math.trunc(s * 1000) / 1000) : scoreText(s);
      return [`score ${shown} is ${held ? '' : 'not '}${bounds}`];
    },
  };
}

/** A counter of the store compared with a minimum: spam reports, failed or timed-out captchas (`what`: the singular noun). */
export function atLeastCondition(what: string, read: (ctx: EvalContext) => number, min: number): Condition {
  return {
    test: (ctx) => finite(read(ctx)) >= min,
    explain: (ctx, held) => [`${counted(finite(read(ctx)), what)} (${held ? 'at least' : 'fewer than'} ${min})`],
  };
}

/**
 * "N calls within the window": the calls the store saw from this number (or its block) during the last
 * `within` seconds BEFORE this call, plus this call, reach N. So `calls: 1` matches every valid caller, and
 * `calls: 4, within: 10m` matches the 4th call in ten minutes. Withheld and invalid callers have no number to
 * count and never match.
 */
export function rateCondition(calls: number, windowSec: number, per: 'number' | 'block', blockDigits: number): Condition {
  const key = String(windowSec);
  const window = formatDuration(windowSec);
  const count = ({ facts }: EvalContext): number => finite(facts.reputation.recentCalls?.[per]?.[key]) + 1;
  return {
    test: (ctx) => ctx.facts.caller.kind === 'valid' && count(ctx) >= calls,
    explain: (ctx, held) => {
      const c = ctx.facts.caller;
      if (c.kind !== 'valid') return [`caller ${describeCaller(c)} has no number to count calls for`];
      const from = per === 'block' ? `block ${c.e164.slice(1, 1 + blockDigits)}` : c.e164;
      return [`${counted(count(ctx), 'call')} from ${from} within ${window} (${held ? 'limit' : 'below limit'} ${calls})`];
    },
  };
}
