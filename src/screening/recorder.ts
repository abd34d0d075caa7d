/** Writes a call's record: one pino line, then the store (stream, counters, windows) and the observers. */
import { withoutRedaction, type Logger } from '../logger.js';
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
}

/** `windowMember`: the call's entry in the rate windows, from its decision (see ScreeningDecision). */
export function createRecorder(deps: RecorderDeps): (record: CallRecord, windowMember?: string) => Promise<void> {
  // A call record's keys are CallRecord's own, none of them secret (tests/unit/screening/call-record.test.ts).
  const recordLog = withoutRedaction(deps.logger);
  return async (record, windowMember) => {
    // pino writes its own `time` (when the line is written: chut lets go of the call); the record's `time` (the decision) goes
    // out as `decidedAt`, so the line has no duplicate key for JSON readers to silently drop.
    const { time: decidedAt, ...fields } = record;
    recordLog.info({ ...fields, decidedAt }, `call ${record.route} (${record.rule})`);
    try {
      // one batched round trip: stream entry, counters, first/last seen, last caller of a rung call
      await deps.store.recordCall({
        record, blockDigits: deps.blockDigits, maxWindowSec: deps.maxWindowSec, streamMaxLen: deps.streamMaxLen,
        windowsCounted: !record.degraded, // the lookup counted the call, unless its outcome is unknown
        ...(windowMember !== undefined ? { windowMember } : {}),
      });
    } catch (err) {
      deps.logger.warn({ callId: record.callId, err: String(err) }, 'could not store the call record');
      for (const o of deps.observers) safely(() => o.onStoreError?.('recordCall', err));
    }
    for (const o of deps.observers) safely(() => o.onCallRecord?.(record));
  };
}
