/** Durations in policy files: a whole number and one unit, `30s`, `10m`, `2h`, `7d`. */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION = /^([1-9][0-9]{0,6})([smhd])$/;

export const DURATION_HINT = 'must be a duration like 10m (a whole number and s, m, h or d)';

/** Seconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m) return null;
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

/** The shortest exact spelling of a number of seconds (`600` → `10m`), for reasons. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
