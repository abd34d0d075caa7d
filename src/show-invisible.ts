/**
 * Text from outside (a caller ID, a request value) as a person must read it: every character they could not see
 * written as an escape (`\u200b`, `\u{e0041}`). A refusal that quotes `"+33612345678\u200b"` shows why the number
 * was refused; quoting it raw, or with the character deleted, shows a number that looks valid. Escapes are plain
 * ASCII, so shown text is safe in a terminal, a log line, JSON and HTML (once HTML-escaped as any text is).
 */

/**
 * Characters a reader cannot see: controls, format characters (zero-width spaces and joiners, bidi embeddings,
 * overrides and isolates, the BOM, the soft hyphen, tag characters), surrogate halves, private-use and unassigned
 * code points, line and paragraph separators, and the Hangul fillers that render as blanks.
 */
const INVISIBLE = /[\p{C}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/gu;

function escapeCodePoint(codePoint: number): string {
  const hex = codePoint.toString(16);
  return codePoint <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

/** Writes every invisible character as an escape; everything else (spaces, accents, emoji) stays as it is. */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (char) => escapeCodePoint(char.codePointAt(0) as number));
}
