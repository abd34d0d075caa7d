/**
 * Text from outside (a caller ID, a request value) as a person must read it: every character they could not see
 * written as an escape (`\u200b`, `\u{e0041}`). A refusal that quotes `"+33612345678\u200b"` shows why the number
 * was refused; quoting it raw, or with the character deleted, shows a number that looks valid. Escapes are plain
 * ASCII, so shown text is safe in a terminal, a log line, JSON and HTML (once HTML-escaped as any text is).
 * A backslash is left as it is: text that spells an escape reads like the character it names. That costs nothing
 * where it matters: a caller ID or list entry holding either is refused alike.
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

/** An escape as `showInvisible` writes it; `\u{10ffff}`, the longest, is 10 characters. */
const ESCAPE = /\\u(?:[0-9a-f]{4}|\{[0-9a-f]{1,6}\})/y;
const LONGEST_ESCAPE = 10;

/**
 * Shown text cut to at most `max` characters, ending in `…` when anything was cut. The cut never falls inside an
 * escape (`\u20…` would name another character) nor between the halves of a surrogate pair.
 */
export function cutShown(shown: string, max: number): string {
  if (shown.length <= max) return shown;
  if (max < 1) return '';
  let end = max - 1; // room for the `…`
  // Only an escape starting in the last LONGEST_ESCAPE characters before the cut can straddle it.
  for (let i = Math.max(0, end - LONGEST_ESCAPE + 1); i < end; i++) {
    if (shown.charCodeAt(i) !== 0x5c) continue;
    ESCAPE.lastIndex = i;
    const escape = ESCAPE.exec(shown);
    if (escape !== null && i + escape[0].length > end) {
      end = i;
      break;
    }
  }
  const last = shown.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${shown.slice(0, end)}…`;
}

/**
 * `text` between double quotes as a message quotes it: invisible characters shown, cut as cutShown does, its own
 * quotes escaped. Only its first characters are read, so a long text costs nothing past them: an escape is at most
 * LONGEST_ESCAPE characters, so nothing further could reach the first `max`.
 */
export function quoteShown(text: string, max: number): string {
  return `"${shownCut(text, max).replace(/"/g, '\\"')}"`;
}

/** `text` with its invisible characters shown, cut to at most `max` characters as cutShown does; only its first
 * characters are read (see quoteShown). */
export function shownCut(text: string, max: number): string {
  return cutShown(showInvisible(text.slice(0, max + LONGEST_ESCAPE)), max);
}
