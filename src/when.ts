/**
 * Points in time users type (CLI flags, API query strings): a duration (`90s`, `10m`, `24h`, `7d`, `2w`) counted back
 * (`since`) or forward (`expires`) from now, or an ISO date. Pure; imports nothing of ours.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d{1,6})\s*([smhdw])$/;
/** ISO 8601 as people and `toISOString` write it: a date, optionally a time and a zone; the year in four digits, or
 * six with a sign as toISOString writes years past 9999 (so whatever chut exported, it reads back). */
const ISO_DATE = /^(\d{4}|[+-]\d{6})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `10m` → 600000; null when the text is not a duration. */
export function durationMs(text: string): number | null {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : null;
}

/** The latest expiry taken: what an export writes as a four-digit year, so a backup always imports back. */
export const LATEST_EXPIRY = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An ISO 8601 date or time → epoch ms; null when it is not one, or names a day its month lacks (Date.parse rolls
 * 2026-02-30 over to 2 March). Read in UTC unless it names its offset: `2026-11-24T10:00` is 10:00 UTC, as
 * `2026-11-24` is midnight UTC, whatever the host's time zone (Date.parse reads a time without an offset as local:
 * the same command counted other calls on another host). Reports count whole UTC hours and say so.
 */
export function parseIsoTime(text: string): number | null {
  const s = text.trim();
  const m = ISO_DATE.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  const [time, zone] = [m[4], m[5]];
  const t = Date.parse(time !== undefined && zone === undefined ? `${s}Z` : s);
  return Number.isNaN(t) ? null : t;
}

/** A duration ago or an ISO date → epoch ms; null when neither (a future date is the caller's to refuse). */
export function parseSince(text: string, now: number): number | null {
  const d = durationMs(text);
  return d !== null ? now - d : parseIsoTime(text);
}

/** A duration from now or an ISO date, up to LATEST_EXPIRY → epoch ms; null when neither, or later. */
export function parseExpiry(text: string, now: number): number | null {
  const d = durationMs(text);
  const t = d !== null ? now + d : parseIsoTime(text);
  return t !== null && t <= LATEST_EXPIRY ? t : null;
}
