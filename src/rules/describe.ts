/** Short, safe renderings of caller-controlled values for reasons (which reach logs, Redis and dashboards). */
import type { CallerNumber } from '../phone/types.js';
import { quoteShown } from '../show-invisible.js';

/** A quoted, length-capped value: control characters cannot survive JSON.stringify unescaped. */
export function quote(text: string, max = 48): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * A caller ID's `raw`, quoted and capped. It is shown text already (invisible characters written as `\u200b`, see
 * showCallerId), which `quote` would spoil: JSON.stringify doubles the backslash of every escape, and a cut by length
 * can fall inside one. So only its quotes are escaped, and it is cut between escapes. Showing it again costs nothing
 * on shown text and keeps a hand-made `raw` safe too.
 */
export function quoteRaw(raw: string, max = 48): string {
  return quoteShown(raw, max);
}

export function describeCaller(caller: CallerNumber): string {
  if (caller.kind === 'valid') return caller.e164;
  if (caller.kind === 'withheld') return '(withheld)';
  return `${quoteRaw(caller.raw, 32)} (invalid)`;
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
