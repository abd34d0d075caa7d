/** The running service's sweeps (list-pruner.ts) against the in-memory store: at start, again later, and stopped. */
import { describe, expect, it, vi } from 'vitest';
import { startListPruner } from '../../src/list-pruner.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ListRecord, PruneRequest, PruneResult } from '../../src/reputation/types.js';
import { until } from '../helpers/until.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 15, 10, 30);

function logged(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { logger: createLogger('info', { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>); } }), lines };
}

const expiring = (e164: string, expiresAt: number): ListRecord =>
  ({ list: 'block', entry: { kind: 'number', e164 }, reason: 'auto: score 95', source: 'auto', addedAt: expiresAt - 30 * DAY, expiresAt });

describe('the list pruner', () => {
  it('removes the entries expired longer than it keeps them, at each sweep, and logs how many per list', async () => {
    let now = T0;
    const store = createMemoryStore();
    await store.addListEntry(expiring('+33612345001', T0 - 8 * DAY));
    await store.addListEntry(expiring('+33612345002', T0 - DAY));
    const { logger, lines } = logged();
    const pruner = startListPruner({ store, keepExpiredMs: 7 * DAY, logger, clock: () => now, firstAfterMs: 0, everyMs: 20, paceMs: 0 });
    try {
      await until(() => lines.length === 1, 'the first sweep');
      expect(lines[0]).toMatchObject({ level: 30, msg: 'expired list entries removed', allow: 0, block: 1, keptDays: 7 });
      expect((await store.getListEntry({ kind: 'number', e164: '+33612345002' })).length).toBe(1);
      now = T0 + 7 * DAY; // a week later: the second entry has been expired for 8 days
      await until(() => lines.length === 2, 'a later sweep');
      expect(lines[1]).toMatchObject({ allow: 0, block: 1 });
      expect(await store.getListEntry({ kind: 'number', e164: '+33612345002' })).toEqual([]);
    } finally {
      pruner.stop();
    }
  });

  it('logs a store failure as a warning and sweeps again; stopped, it sweeps no more and ends the sweep in progress', async () => {
    const requests: PruneRequest[] = [];
    let fail = true;
    let release: (() => void) | null = null;
    const store = {
      async pruneLists(req: PruneRequest): Promise<PruneResult> {
        requests.push(req);
        if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        await req.pace?.(); // a step, then the pause that stop() cuts short
        await new Promise<void>((resolve) => { release = resolve; });
        req.signal?.throwIfAborted();
        return { removed: { allow: 0, block: 0 }, scanned: false };
      },
    };
    const { logger, lines } = logged();
    const pruner = startListPruner({ store, keepExpiredMs: DAY, logger, firstAfterMs: 0, everyMs: 10, paceMs: 60_000 });
    await until(() => lines.length === 1, 'the warning');
    expect(lines[0]).toMatchObject({ level: 40, err: 'connect ECONNREFUSED 127.0.0.1:6379' });
    expect(requests[0]).toMatchObject({ scan: 'unless-indexed' }); // the entries an older chut wrote: read once
    fail = false;
    await until(() => requests.length >= 2, 'the next sweep');
    pruner.stop(); // the sweep's pause ends at once, its next step sees the stop
    await until(() => release !== null, 'the sweep past its pause');
    const seen = requests.length;
    // the test's own clock from here: the end of that sweep, then five sweep periods, without waiting them out
    vi.useFakeTimers();
    try {
      (release as unknown as () => void)();
      await vi.advanceTimersByTimeAsync(50);
      expect(requests.length).toBe(seen); // no sweep came
      expect(vi.getTimerCount()).toBe(0); // and none is due: nothing keeps the process alive
    } finally {
      vi.useRealTimers();
    }
    expect(lines).toHaveLength(1); // the stop is no failure to log
  });

  it('a sweep that fails midway says how many entries it removed before, its digits grouped (the fields stay numbers)', async () => {
    const store = {
      async pruneLists(req: PruneRequest): Promise<PruneResult> {
        if (req.removed) Object.assign(req.removed, { allow: 2, block: 1498 });
        throw new Error('Connection is closed.');
      },
    };
    const { logger, lines } = logged();
    const pruner = startListPruner({ store, keepExpiredMs: DAY, logger, firstAfterMs: 0, everyMs: 60_000, paceMs: 0 });
    try {
      await until(() => lines.length === 1, 'the warning');
      expect(lines[0]).toMatchObject({ level: 40, allow: 2, block: 1498,
        msg: 'could not remove every expired list entry (1,500 removed before the failure): tried again at the next sweep' });
    } finally {
      pruner.stop();
    }
  });
});
