/**
 * Issue 2's targets for the core, judged from the `core` rows: p99 under 1 ms with 50 calls in progress, over
 * 10,000 decisions a second, one Redis round trip per screened call. Printed and put in the JSON, so that a run says
 * plainly which targets this machine met, instead of leaving the reader to compare figures.
 */
export interface CoreTarget {
  target: string;
  measured: number;
  met: boolean;
}

interface CoreRows {
  in_progress50?: { p99_ms?: unknown };
  c50?: { decisions_per_s?: unknown; round_trips_per_call?: unknown };
  c500?: { decisions_per_s?: unknown };
}

export function coreTargets(rows: CoreRows): Record<string, CoreTarget> {
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
  const p99 = num(rows.in_progress50?.p99_ms);
  // the better of the rows that ran: Math.max of a missing one (NaN) would be NaN, the other row's figure lost
  const rates = [num(rows.c50?.decisions_per_s), num(rows.c500?.decisions_per_s)].filter(Number.isFinite);
  const rate = rates.length ? Math.max(...rates) : Number.NaN;
  const trips = num(rows.c50?.round_trips_per_call);
  return {
    p99_in_progress50: { target: 'p99 under 1 ms with 50 calls in progress', measured: p99, met: p99 < 1 },
    decisions_per_s: { target: 'over 10,000 decisions a second', measured: rate, met: rate > 10_000 },
    round_trips_per_call: { target: '1 Redis round trip per screened call', measured: trips, met: trips === 1 },
  };
}

export function targetLine(t: CoreTarget): string {
  const value = Number.isFinite(t.measured) ? String(Math.round(t.measured * 1000) / 1000) : 'not measured';
  return `  ${t.target}: ${t.met ? 'met' : 'NOT met'} (${value})`;
}
