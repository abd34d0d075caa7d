/** Short, safe renderings of caller-controlled values for reasons (which reach logs, Redis and dashboards). */
import type { CallerNumber } from '../phone/types.js';
import { quoteShown, shownCut } from '../show-invisible.js';
import { MAX_PATTERN } from './glob.js';

/**
 * A value a caller, a list file or the policy wrote (a caller name, a list reason, a verstat, a `contains` text),
 * quoted and capped at `max` characters. Its invisible characters are written as escapes (`\u200b`), since
 * JSON.stringify leaves bidi overrides, zero-width and tag characters raw, and a reason reaches logs, the CLI, the API
 * and the dashboard. A caller ID's `raw`, shown text already, comes out unchanged but for its quotes: showing text
 * again costs nothing, and the cut never falls inside an escape.
 */
export function quote(text: string, max = 48): string {
  return quoteShown(text, max);
}

/** A name pattern from the policy, unquoted as the policy writes it (`*ENERGIE*`), its invisible characters shown. */
export function patternText(pattern: string): string {
  return shownCut(pattern, MAX_PATTERN);
}

export function describeCaller(caller: CallerNumber): string {
  if (caller.kind === 'valid') return caller.e164;
  if (caller.kind === 'withheld') return '(withheld)';
  return `${quote(caller.raw, 32)} (invalid)`;
}

/** At most a few items of a list, for sentences. */
export function listText(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} … (${items.length} in all)`;
}

/**
 * A score (0–100) for people to read, to one decimal, never above the real value: 69.977 is `69.9`, not the `70`
 * rounding gives, which reads as "at least 70" when `score: { min: 70 }` did not match.
 */
export function scoreText(score: number): string {
  if (!Number.isFinite(score)) return '0';
  let t = Math.floor(score * 10) / 10;
  if (t > score) t -= 0.1; // score * 10 rounded up to a whole number (69.99999999999999)
  return String(Math.round(t * 10) / 10);
}
