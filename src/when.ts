/**
 * Points in time users type (CLI flags, API query strings): a duration (`90s`, `10m`, `24h`, `7d`, `2w`) counted back
 * (`since`) or forward (`expires`) from now, or an ISO date. Pure; imports nothing of ours.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d{1,6})\s*([smhdw])$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `10m` → 600000; null when the text is not a duration. */
export function durationMs(text: string): number | null {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : null;
}

function isoTime(text: string): number | null {
  if (!ISO_DATE.test(text.trim())) return null;
  const t = Date.parse(text.trim());
  return Number.isNaN(t) ? null : t;
}

/** A duration ago or an ISO date → epoch ms; null when neither (a future date is the caller's to refuse). */
export function parseSince(text: string, now: number): number | null {
  const d = durationMs(text);
  return d !== null ? now - d : isoTime(text);
}

/** A duration from now or an ISO date → epoch ms; null when neither. */
export function parseExpiry(text: string, now: number): number | null {
  const d = durationMs(text);
  return d !== null ? now + d : isoTime(text);
}
