/** Writes a call's record: one pino line, then the store (stream, counters, windows) and the observers. */
import { withoutRedaction, type Logger } from '../logger.js';
import { lastCallerLeftBy, reportableCaller } from '../reputation/keys.js';
import type { CallRecord, ReputationStore } from '../reputation/types.js';
import { createRecordBacklog } from './record-backlog.js';
import { safely } from './screener.js';
import type { ScreeningObserver } from './types.js';

export interface RecorderDeps {
  store: ReputationStore;
  logger: Logger;
  observers: ScreeningObserver[];
  blockDigits: number;
  maxWindowSec: number;
  streamMaxLen: number;
  /** Records kept while Redis does not answer (record-backlog.ts). */
  backlogMax?: number;
}

export interface Recorder {
  /** `windowMember`: the call's entry in the rate windows, from its decision (see ScreeningDecision). Never throws. */
  record(record: CallRecord, windowMember?: string): Promise<void>;
  /** Records kept for Redis to answer again, not written yet. */
  unstored(): number;
  /** The last caller to `dialled` among the records not written yet, as the store will hold it once they are (an E.164
   * number, or null for a withheld or invalid caller); undefined when none of them rang that number. */
  keptLastCaller(dialled: string): string | null | undefined;
  /** Stopping: writes what it can within `withinMs` (record-backlog.ts); resolves with how many records were lost. */
  close(withinMs: number): Promise<number>;
}

export function createRecorder(deps: RecorderDeps): Recorder {
  // A call record's keys are CallRecord's own, none of them secret (tests/unit/screening/call-record.test.ts).
  const recordLog = withoutRedaction(deps.logger);
  // A write Redis did not take is kept and written once it answers again, in call order, never twice.
  const backlog = createRecordBacklog({
    store: deps.store, logger: deps.logger, max: deps.backlogMax,
    onError: (err) => { for (const o of deps.observers) safely(() => o.onStoreError?.('recordCall', err)); },
  });
  return {
    async record(record, windowMember) {
      // pino writes its own `time` (when the line is written: chut lets go of the call); the record's `time` (the decision) goes
      // out as `decidedAt`, so the line has no duplicate key for JSON readers to silently drop.
      const { time: decidedAt, ...fields } = record;
      recordLog.info({ ...fields, decidedAt }, `call ${record.route} (${record.rule})`);
      // one batched round trip: stream entry, counters, first/last seen, last caller of a rung call
      await backlog.write({
        record, blockDigits: deps.blockDigits, maxWindowSec: deps.maxWindowSec, streamMaxLen: deps.streamMaxLen,
        windowsCounted: !record.degraded, // the lookup counted the call, unless its outcome is unknown
        ...(windowMember !== undefined ? { windowMember } : {}),
      });
      for (const o of deps.observers) safely(() => o.onCallRecord?.(record));
    },
    unstored: () => backlog.size(),
    keptLastCaller(dialled) {
      // the record script's rule: a call that rang makes its caller the last caller to the number it dialled
      const kept = backlog.newest(({ record: r }) => r.route === 'ring' && r.dialled === dialled);
      return kept ? reportableCaller(lastCallerLeftBy(kept.record)) : undefined;
    },
    close: (withinMs) => backlog.close(withinMs),
  };
}
