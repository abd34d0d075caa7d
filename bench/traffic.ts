/**
 * Telephone traffic as Erlang modelled it: independent callers, exponentially distributed holding times. A fixed
 * holding time is not only unrealistic, it breaks the benchmark: Node files every timer of the same duration in
 * one list and re-arms the ones that fire together at the same instant, so fixed-length calls drift into lock-step
 * groups and the run measures bursts of simultaneous arrivals instead of a steady load.
 */

/** An exponentially distributed duration with the given mean (ms). */
export function exponentialMs(meanMs: number, random: () => number = Math.random): number {
  return meanMs * Math.log(1 / (1 - random()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `channels` lines kept busy: on each, a call arrives, `arrive` runs (its latency is the sample), the line is held
 * for an exponential time of mean `meanHoldMs`, `hangUp` runs, and the next call takes the line. First calls are
 * spread over one mean holding time, so a steady load is measured, not a start-up burst.
 */
export async function callsInProgress<T>(opts: {
  channels: number;
  meanHoldMs: number;
  total: number;
  arrive: (index: number) => Promise<T>;
  hangUp?: (index: number, result: T) => Promise<unknown>;
}): Promise<{ samples: number[]; seconds: number }> {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: opts.channels }, async (_, channel) => {
    await sleep((channel * opts.meanHoldMs) / opts.channels);
    while (next < opts.total) {
      const index = next++;
      const t0 = performance.now();
      const result = await opts.arrive(index);
      samples.push(performance.now() - t0);
      await sleep(exponentialMs(opts.meanHoldMs));
      await opts.hangUp?.(index, result);
    }
  }));
  return { samples, seconds: (performance.now() - started) / 1000 };
}

/** `concurrency` requests kept in flight back to back (a saturation test): each waits behind the others. */
export async function backToBack<T>(concurrency: number, total: number, request: (index: number) => Promise<T>): Promise<{ samples: number[]; seconds: number }> {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const index = next++;
      const t0 = performance.now();
      await request(index);
      samples.push(performance.now() - t0);
    }
  }));
  return { samples, seconds: (performance.now() - started) / 1000 };
}
