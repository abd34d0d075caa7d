/** Query and body values the API accepts, parsed once at the edge. */
import { badRequest } from './errors.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d{1,5})([mhdw])$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function durationMs(text: string): number | null {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : null;
}

function isoTime(text: string): number | null {
  if (!ISO_DATE.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** `24h`, `7d`, `30d` (ago) or an ISO date → epoch ms. */
export function parseSince(text: string | undefined, now: number, fallback: string): number {
  const value = text ?? fallback;
  const d = durationMs(value);
  const t = d !== null ? now - d : isoTime(value);
  if (t === null || t > now) throw badRequest(`since: expected a duration such as 24h or 7d, or a past ISO date; got "${value.slice(0, 40)}"`);
  return t;
}

/** `30d` (from now) or a future ISO date → epoch ms; undefined/empty → null (no expiry). */
export function parseExpires(text: string | undefined, now: number): number | null {
  if (text === undefined || text === '') return null;
  const d = durationMs(text);
  const t = d !== null ? now + d : isoTime(text);
  if (t === null) throw badRequest(`expires: expected a duration such as 30d or an ISO date; got "${text.slice(0, 40)}"`);
  if (t <= now) throw badRequest('expires: the date is in the past');
  return t;
}

/** Free text from a user: one line, no control characters, trimmed; empty → null. */
export function cleanText(text: string | undefined): string | null {
  const s = (text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  return s === '' ? null : s;
}
