/** Query and body values the API accepts, parsed once at the edge. */
import { stripBidiControls } from '../phone/sanitize.js';
import { parseExpiry, parseSince as sinceOf } from '../when.js';
import { badRequest } from './errors.js';
import { HOUR_MS } from '../time-units.js';

/**
 * How far ahead of the server's clock a `since` may be: a client whose clock runs ahead (by a minute or two, often)
 * asks from its own midnight, which is still in the server's future for that long. Such a period has not begun: it
 * counts nothing (the stores count from the hour `since` falls in, and only the hours up to now), not a 400.
 */
export const SINCE_AHEAD_MS = HOUR_MS;

/** `24h`, `7d`, `30d` (ago) or an ISO date → epoch ms; a date up to SINCE_AHEAD_MS after `now` is taken as it is. */
export function parseSince(text: string | undefined, now: number, fallback: string): number {
  const value = text ?? fallback;
  const t = sinceOf(value, now);
  if (t === null) throw badRequest(`since: expected a duration such as 24h or 7d, or a past ISO date; got "${value.slice(0, 40)}"`);
  if (t > now + SINCE_AHEAD_MS) {
    throw badRequest(`since: "${value.slice(0, 40)}" is more than an hour after the server's time (${new Date(now).toISOString()}): ` +
      'expected a past date (is a clock wrong?)');
  }
  return t;
}

/** `30d` (from now) or a future ISO date → epoch ms; undefined/empty → null (no expiry). */
export function parseExpires(text: string | undefined, now: number): number | null {
  if (text === undefined || text === '') return null;
  const t = parseExpiry(text, now);
  if (t === null) throw badRequest(`expires: expected a duration such as 30d or an ISO date up to 9999-12-31; got "${text.slice(0, 40)}"`);
  if (t <= now) throw badRequest('expires: the date is in the past');
  return t;
}

/** Free text from a user: one line, no control characters, trimmed; empty → null. */
export function cleanText(text: string | undefined): string | null {
  const s = stripBidiControls(text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  return s === '' ? null : s;
}
