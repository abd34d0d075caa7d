/**
 * Character hygiene shared by caller numbers and names. Everything here is linear-time regex work on strings that
 * callers have already truncated, so a hostile 10 kB caller ID costs no more than a short one.
 */
import { cutShown, showInvisible } from '../show-invisible.js';

/** Hard cap on how much of any caller-controlled string we even look at. */
export const MAX_RAW_LENGTH = 256;

// C0 controls, DEL, C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Bidi embeddings/overrides/isolates and marks, zero-width characters, word joiner, BOM: invisible characters that can
// make a log line or a UI show something other than what is stored.
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// Bidi embeddings, overrides, isolates and marks alone: what free text from a user (a list reason) loses, keeping the
// zero-width joiners its emoji may need.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// UTF-16 halves without their partner (from truncation or a broken decoder).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Cuts at `max` UTF-16 units without leaving half a surrogate pair at the end. */
export function truncateUnits(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/** Removes the bidi controls that would make a text display as something else (`\u202E…` reversing a number). */
export function stripBidiControls(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}

/**
 * A caller ID as `raw` keeps it, for reasons, call records and logs: as sent, with its control, invisible and broken
 * characters written as escapes (`06\u200b12…`), not deleted: deleted, they would leave a caller ID refused as
 * `bad-characters` that reads like a good number. Escaping can make it up to 6 times longer, so it is cut at
 * MAX_RAW_LENGTH characters, like a value longer than that, and ends in `…` when either was cut.
 */
export function showCallerId(value: string): string {
  const head = truncateUnits(value, MAX_RAW_LENGTH);
  // A cut input gets its `…` too: cutShown keeps it, or cuts the text before it and writes its own.
  return cutShown(showInvisible(head) + (head.length < value.length ? '…' : ''), MAX_RAW_LENGTH);
}

/** Removes control, invisible and broken characters; keeps everything else as it was. */
function stripUnsafe(s: string): string {
  return s.replace(CONTROL, '').replace(INVISIBLE, '').replace(LONE_SURROGATE, '');
}

/**
 * Like `stripUnsafe`, but line breaks and tabs become spaces first, so `Jean\nDupont` reads `Jean Dupont` rather than
 * `JeanDupont`.
 */
export function stripUnsafeKeepGaps(s: string): string {
  return stripUnsafe(s.replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' '));
}
