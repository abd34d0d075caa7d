/**
 * Reads a number candidate character by character: ASCII digits, one leading `+`, and the visual separators people
 * and PBXs use (space, `.`, `-`, `(`, `)`, `/`, no-break and narrow no-break spaces as in French formatting).
 *
 * Anything else — letters, `*`/`#`, control characters, emoji — makes the candidate `bad-characters`. That includes
 * Unicode look-alike digits (fullwidth `０-９`, Arabic-Indic `٠-٩`…): SIP and tel: URIs carry ASCII digits only, so a
 * caller ID spelled with look-alikes was crafted, and mapping it to ASCII (NFKC) would let a spoofer's number pass for
 * a normal one. We reject it instead and keep only the ASCII digits it had.
 */
export type ScanResult =
  | { ok: true; plus: boolean; digits: string }
  | { ok: false; reason: 'bad-characters' | 'no-digits'; digits: string };

/** Keep at most this many digits in `digits` of a rejected candidate (E.164 is 15; `00` + IDD + number fits). */
export const MAX_KEPT_DIGITS = 32;

function isSeparator(code: number): boolean {
  return (
    code === 0x20 || code === 0x2e || code === 0x2d || code === 0x28 || code === 0x29 || code === 0x2f ||
    code === 0xa0 || code === 0x202f
  );
}

export function scanNumber(candidate: string): ScanResult {
  let digits = '';
  let plus = false;
  let bad = false;
  let seenSignificant = false;
  for (let i = 0; i < candidate.length; i++) {
    const code = candidate.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      digits += candidate[i];
      seenSignificant = true;
    } else if (code === 0x2b && !seenSignificant && !plus) {
      plus = true;
      seenSignificant = true;
    } else if (!isSeparator(code)) {
      bad = true;
    }
  }
  if (bad) return { ok: false, reason: 'bad-characters', digits: digits.slice(0, MAX_KEPT_DIGITS) };
  if (digits.length === 0) return { ok: false, reason: 'no-digits', digits: '' };
  return { ok: true, plus, digits };
}
