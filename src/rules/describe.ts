/** Short, safe renderings of caller-controlled values for reasons (which reach logs, Redis and dashboards). */
import type { CallerNumber } from '../phone/types.js';

/** A quoted, length-capped value: control characters cannot survive JSON.stringify unescaped. */
export function quote(text: string, max = 48): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
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
