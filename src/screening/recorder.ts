/** Writes a call's record: one pino line, then the store (stream, counters, windows) and the observers. */
import type { Logger } from '../logger.js';
import type { CallRecord, ReputationStore } from '../reputation/types.js';
import { safely } from './screener.js';
import type { ScreeningObserver } from './types.js';

export interface RecorderDeps {
  store: ReputationStore;
  logger: Logger;
  observers: ScreeningObserver[];
  blockDigits: number;
  maxWindowSec: number;
  streamMaxLen: number;
  clock: () => number;
}

export function createRecorder(deps: RecorderDeps): (record: CallRecord) => Promise<void> {
  return async (record) => {
    const { reasons, ...line } = record;
    deps.logger.info({ ...line, reasons }, `call ${record.route} (${record.rule})`);
    const writes: Promise<unknown>[] = [
      deps.store.recordCall({ record, blockDigits: deps.blockDigits, maxWindowSec: deps.maxWindowSec, streamMaxLen: deps.streamMaxLen }),
    ];
    if (record.route === 'ring' && record.callerKind === 'valid' && record.dialled) {
      writes.push(deps.store.setLastCaller(record.dialled, record.caller, deps.clock()));
    }
    const results = await Promise.allSettled(writes);
    for (const r of results) {
      if (r.status === 'rejected') {
        deps.logger.warn({ callId: record.callId, err: String(r.reason) }, 'could not store the call record');
        for (const o of deps.observers) safely(() => o.onStoreError?.('recordCall', r.reason));
      }
    }
    for (const o of deps.observers) safely(() => o.onCallRecord?.(record));
  };
}
