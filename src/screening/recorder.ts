/** Writes a call's record: one pino line, then the store (stream, counters, windows) and the observers. */
import { withoutRedaction, type Logger } from '../logger.js';
import { lastCallerLeftBy } from '../reputation/keys.js';
import type { CallRecord, ReputationStore } from '../reputation/types.js';
import { createRecordBacklog } from './record-backlog.js';
import { safely } from './screener.js';
import type { ScreeningDecision, ScreeningObserver } from './types.js';

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

export type CallWindows = Pick<ScreeningDecision, 'windowMember' | 'uncounted'>;

export interface KeptLastCaller {
  line?: string;
  any?: string;
  known: boolean;
}

export interface Recorder {
  /** `windows`: the call's entry in the rate windows and whether its lookup counted it, from its decision (see
   * ScreeningDecision). Never throws. */
  record(record: CallRecord, windows?: CallWindows): Promise<void>;
  /** Records kept for Redis to answer again, not written yet. */
  unstored(): number;
  /**
   * What the records not written yet will change in the store's last-caller state of `target` once they are (they are
   * newer than anything it holds): `line`, the last caller to `target` (an E.164 number, or `none` for a withheld or
   * invalid caller), undefined when none of them rang it; `any`, the same for the last caller to anyone; `known`,
   * whether one of them dialled `target` (a known line, whatever its route).
   */
  keptLastCaller(target: string): KeptLastCaller;
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
    async record(record, windows) {
      // pino writes its own `time` (when the line is written: chut lets go of the call); the record's `time` (the decision) goes
      // out as `decidedAt`, so the line has no duplicate key for JSON readers to silently drop.
      const { time: decidedAt, ...fields } = record;
      recordLog.info({ ...fields, decidedAt }, `call ${record.route} (${record.rule})`);
      // one batched round trip: stream entry, counters, first/last seen, last caller of a rung call
      await backlog.write({
        record, blockDigits: deps.blockDigits, maxWindowSec: deps.maxWindowSec, streamMaxLen: deps.streamMaxLen,
        // the lookup counted the call, unless its outcome is unknown or Redis refused to count it
        windowsCounted: !record.degraded && windows?.uncounted !== true,
        ...(windows?.windowMember !== undefined ? { windowMember: windows.windowMember } : {}),
      });
      for (const o of deps.observers) safely(() => o.onCallRecord?.(record));
    },
    unstored: () => backlog.size(),
    keptLastCaller(target) {
      // the record script's rules: a call that rang makes its caller the last caller to anyone and to the number it
      // dialled; any call makes the number it dialled a known line
      const rang = backlog.newest(({ record: r }) => r.route === 'ring');
      if (!rang) return { known: target !== '' && backlog.newest(({ record: r }) => r.dialled === target) !== undefined };
      const any = lastCallerLeftBy(rang.record);
      if (target === '') return { any, known: false };
      const line = backlog.newest(({ record: r }) => r.route === 'ring' && r.dialled === target);
      if (line) return { line: lastCallerLeftBy(line.record), any, known: true };
      return { any, known: backlog.newest(({ record: r }) => r.dialled === target) !== undefined };
    },
    close: (withinMs) => backlog.close(withinMs),
  };
}
