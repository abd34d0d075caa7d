/**
 * The "number block" a caller belongs to, for burst detection across a range: the first `digits` digits of the E.164
 * number without its `+` (`+33612345678`, 8 → `33612345`). Non-digits are ignored; a non-positive count gives ''.
 */
export function numberBlock(e164: string, digits: number): string {
  if (typeof e164 !== 'string' || !Number.isFinite(digits) || digits < 1) return '';
  return e164.replace(/[^0-9]/g, '').slice(0, Math.floor(digits));
}
