/**
 * The running service's removal of expired list entries: a sweep soon after start, then every hour, each removing the
 * entries that expired `lists.keepExpiredDays` ago (store.pruneLists). Lookups ignore an expired entry already: this
 * keeps the lists (and exports) from growing with them on a PBX that auto-blocks. Slow on purpose: a pause after each
 * step leaves Redis to the calls. Several instances may sweep one store at once (the store's removal is safe).
 */
import type { Logger } from './logger.js';
import { groupedDigits } from './plural.js';
import type { PruneResult, ReputationStore } from './reputation/types.js';
import { sleep } from './sleep.js';
import { DAY_MS, HOUR_MS } from './time-units.js';

export interface ListPrunerOptions {
  store: Pick<ReputationStore, 'pruneLists'>;
  /** How long an entry stays once expired. */
  keepExpiredMs: number;
  logger: Logger;
  /** The first sweep, this long after start (default 1 to 2 minutes: instances started together do not sweep together,
   * and a service restarting in a loop does not sweep at each start). */
  firstAfterMs?: number;
  /** Then one every this long (default 1 hour, plus up to a minute). */
  everyMs?: number;
  /** The pause after each step of a sweep (default 10 ms). */
  paceMs?: number;
  clock?: () => number;
}

export interface ListPruner {
  /** Stops the sweeps; one in progress ends at its next step (not awaited: a Redis that hangs must not hold chut's
   * stop, and closing the store ends the step in flight). */
  stop(): void;
}

const jitter = (ms: number) => Math.floor(Math.random() * ms);

export function startListPruner(o: ListPrunerOptions): ListPruner {
  const clock = o.clock ?? Date.now;
  const everyMs = o.everyMs ?? HOUR_MS + jitter(60_000);
  const paceMs = o.paceMs ?? 10;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | null = null;

  // cut short by stop(): the sweep then ends at its next step
  const pace = () => sleep(paceMs, stopping.signal);

  async function sweep(): Promise<void> {
    const removed = { allow: 0, block: 0 };
    let result: PruneResult;
    try {
      result = await o.store.pruneLists({ expiredBefore: clock() - o.keepExpiredMs, scan: 'unless-indexed', signal: stopping.signal, pace, removed });
    } catch (err) {
      if (stopping.signal.aborted) return;
      // the steps before the failure stay done: said, so that a sweep failing at each step shows it still removes some
      o.logger.warn({ err: err instanceof Error ? err.message : String(err), ...removed },
        `could not remove every expired list entry (${groupedDigits(removed.allow + removed.block)} removed before the failure): tried again at the next sweep`);
      return;
    }
    const { allow, block } = result.removed;
    if (result.scanned) o.logger.info('read the lists once for entries with an expiry that an older chut wrote: the next sweeps read only the entries due');
    if (allow + block > 0) o.logger.info({ allow, block, keptDays: o.keepExpiredMs / DAY_MS }, 'expired list entries removed');
  }

  const schedule = (ms: number) => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      void sweep().finally(() => schedule(everyMs));
    }, ms);
    timer.unref();
  };
  schedule(o.firstAfterMs ?? 60_000 + jitter(60_000));

  return {
    stop() {
      stopping.abort(new Error('chut is stopping'));
      if (timer) clearTimeout(timer);
    },
  };
}
