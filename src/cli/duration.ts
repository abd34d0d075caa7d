/** `90s`, `10m`, `24h`, `7d`, `2w` → milliseconds; null when the text is not a duration. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string): number | null {
  const m = /^(\d{1,6})\s*([smhdw])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** A point in time given as a duration ago (`24h`) or an ISO date; null when neither. */
export function parseSince(text: string, now: number): number | null {
  const d = parseDuration(text);
  if (d !== null) return now - d;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** An expiry given as a duration from now (`30d`) or an ISO date; null when neither. */
export function parseExpiry(text: string, now: number): number | null {
  const d = parseDuration(text);
  if (d !== null) return now + d;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}
