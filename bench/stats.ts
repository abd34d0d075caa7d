/** Percentiles over latency samples (ms). */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const idx = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[idx] as number;
}

export function summarise(samplesMs: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, p50: round(percentile(s, 50)), p90: round(percentile(s, 90)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN) };
}

/** The share of samples (0–1) slower than `ms`: "p99 under 1 ms" is "under 1 % of calls over 1 ms". */
export function shareOver(samplesMs: readonly number[], ms: number): number {
  if (samplesMs.length === 0) return NaN;
  let over = 0;
  for (const x of samplesMs) if (x > ms) over++;
  return over / samplesMs.length;
}

/** This process's CPU time (user + kernel) since `before`, per call, in µs. */
export function cpuPerCall(before: NodeJS.CpuUsage, calls: number): number {
  const cpu = process.cpuUsage(before);
  return Math.round((cpu.user + cpu.system) / calls);
}
