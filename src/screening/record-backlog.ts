/**
 * Post-call writes Redis did not take (an outage, a failover): kept in memory, in call order, and written once Redis
 * answers again, with their own times. Without them the calls a Redis outage rang would be missing from the stream,
 * the counters (the very `degraded` count meant to show the outage) and the last caller `*77` reports.
 *
 * - Call order is kept: while any record waits, newer ones wait behind it rather than being written first (the last
 *   caller would go back in time when the older one is written), and the backlog starts only once the writes that
 *   were already on their way have settled.
 * - Bounded: at most `max` records (5000 by default, ~1 KB each); past that the oldest are dropped, and one warning
 *   says how many once the backlog is written (or chut stops).
 * - Never written twice: a write that failed may still have been applied (it timed out, or the connection dropped
 *   after sending it). A record whose write was sent is replayed with `replayLookBack`: the store writes it only if
 *   the stream's newest entries do not hold it already. Everything written after such an attempt is either another
 *   attempt sent before the backlog started or a record replayed ahead of it, so twice the number of records ever
 *   sent in this outage (and a margin) is enough look-back. Another writer on the same prefix (a second chut) can push
 *   the first copy further back; a duplicate is then possible, never a loss. The other order (the first attempt, held
 *   in the network, lands after the replay) is the store's to catch: a replay marks its record, and an attempt that
 *   finds the mark writes nothing.
 */
import type { Logger } from '../logger.js';
import { countedGrouped, groupedDigits, pluralNoun } from '../plural.js';
import { NOT_NOW_REPLY } from '../redis-errors.js';
import { SchemaError } from '../reputation/redis-store.js';
import type { RecordCallRequest, ReputationStore } from '../reputation/types.js';
import { backoffDelay } from '../retry.js';

export const BACKLOG_MAX = 5000;

/** Whether a failed write may have reached Redis, and so may have been applied: anything but the client refusing to
 * send it at all (no connection: the usual error all through an outage). Only such records are looked for in the
 * stream when written again, so the look-back stays as small as the writes that were on the wire when Redis went. */
export function mayHaveReachedRedis(err: unknown): boolean {
  return !(err instanceof Error && err.message.startsWith("Stream isn't writeable"));
}

/** Whether a failed write is worth trying again: the connection or the server's state, not the record itself. */
export function worthRetrying(err: unknown): boolean {
  if (err instanceof SchemaError) return false; // keys of a newer chut: refused until chut is upgraded
  // a "not now" reply (redis-errors.ts) keeps the record; any other would fail again on the same record: it is not
  // kept, lest it hold up every record behind it
  if (err instanceof Error && err.name === 'ReplyError') return NOT_NOW_REPLY.test(err.message);
  return true; // timed out, connection closed or not writable, retries exhausted, socket errors
}

export interface RecordBacklogDeps {
  store: Pick<ReputationStore, 'recordCall'>;
  logger: Logger;
  /** A record Redis did not take when its call ended (the store-error metric): its write failed, or it waits behind
   * records that did. Once per record, not once per attempt: the metric grows with the calls an outage holds back (as
   * the lookup errors do), not with how often the backlog tried again. */
  onError(err: unknown): void;
  max?: number;
  /** Wait before the backlog's attempt `n` (1-based) after a failure: ¼ s … 1 s by default (an attempt while the
   * connection is down fails at once, without reaching Redis: trying each second costs nothing and writes the
   * backlog soon after Redis is back). */
  retryDelay?: (attempt: number) => number;
}

export interface RecordBacklog {
  /** Writes the record, or keeps it for later; resolves once written or kept. Never throws. */
  write(req: RecordCallRequest): Promise<void>;
  /** Records kept, not written yet. */
  size(): number;
  /** The newest kept record that `match` accepts (for what Redis does not know yet: the last caller `*77` reports). */
  newest(match: (req: RecordCallRequest) => boolean): RecordCallRequest | undefined;
  /**
   * Stopping: waits (at most `withinMs`) for the writes on their way and the backlog, trying again at once rather than
   * after the retry wait; then keeps nothing more. Resolves with how many records were never written (logged as an
   * error).
   */
  close(withinMs: number): Promise<number>;
}

interface Entry {
  seq: number;
  req: RecordCallRequest;
  /** A write of it may have reached Redis (it was not refused for want of a connection): it may have been applied. */
  sent: boolean;
  /** Its failure was counted (onError). */
  counted: boolean;
}

const LOOK_BACK_MARGIN = 16;

export function createRecordBacklog(deps: RecordBacklogDeps): RecordBacklog {
  const max = deps.max ?? BACKLOG_MAX;
  const retryDelay = deps.retryDelay ?? ((n: number) => backoffDelay(n, 250, 1000));
  const log = deps.logger;
  const backlog: Entry[] = [];
  let seq = 0;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  let draining: Promise<void> | null = null;
  /** Cuts the retry wait short (flush). */
  let wake: (() => void) | null = null;
  let hurry = false;
  let closed = false;
  /** This outage: records whose write was sent and failed, how many were written later, and dropped. */
  let outage = { failures: 0, sent: 0, stored: 0, dropped: 0 };
  /** Why the last write failed: what a record kept behind it is counted with. */
  let lastError: unknown = new Error('Redis has not taken the call records before this one');

  function countFailure(err: unknown, entry: Entry): void {
    lastError = err;
    if (entry.counted) return;
    entry.counted = true;
    deps.onError(err);
  }

  function failed(err: unknown, entry: Entry): void {
    countFailure(err, entry);
    if (outage.failures++ === 0) {
      log.warn({ err: String(err) }, `could not store a call record: call records are kept in memory (up to ${groupedDigits(max)}, in call order) and written once Redis answers`);
    }
    log.debug({ callId: entry.req.record.callId, err: String(err) }, 'call record kept until Redis answers');
  }

  function keep(entry: Entry): void {
    if (entry.sent) outage.sent++;
    let i = backlog.length;
    while (i > 0 && (backlog[i - 1] as Entry).seq > entry.seq) i--;
    backlog.splice(i, 0, entry);
    if (backlog.length > max) {
      backlog.shift();
      outage.dropped++;
    }
    startDraining();
  }

  function startDraining(): void {
    if (draining || closed || backlog.length === 0) return;
    draining = drain().finally(() => {
      draining = null;
      startDraining(); // a record kept while the loop was ending
    });
  }

  function untilIdle(): Promise<void> {
    return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, hurry ? Math.min(ms, 100) : ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  async function drain(): Promise<void> {
    await untilIdle(); // writes sent before the first failure go first, whatever their outcome
    let attempt = 0;
    while (backlog.length && !closed) {
      const head = backlog[0] as Entry;
      const lookBack = head.sent ? 2 * outage.sent + LOOK_BACK_MARGIN : 0;
      try {
        await deps.store.recordCall(lookBack ? { ...head.req, replayLookBack: lookBack } : head.req);
        const i = backlog.indexOf(head); // 0, or gone: dropped meanwhile as the oldest
        if (i >= 0) backlog.splice(i, 1);
        outage.stored++;
        attempt = 0;
      } catch (err) {
        if (!worthRetrying(err)) {
          countFailure(err, head);
          log.warn({ callId: head.req.record.callId, err: String(err) }, 'could not store the call record');
          const i = backlog.indexOf(head);
          if (i >= 0) backlog.splice(i, 1);
          continue;
        }
        if (!head.sent && mayHaveReachedRedis(err)) {
          head.sent = true;
          outage.sent++;
        }
        failed(err, head);
        await pause(retryDelay(++attempt));
      }
    }
    if (backlog.length === 0) {
      if (outage.stored) log.info({ stored: outage.stored }, 'Redis answers again: the call records kept meanwhile are written');
      if (outage.dropped) warnDropped();
      outage = { failures: 0, sent: 0, stored: 0, dropped: 0 };
    }
  }

  function warnDropped(): void {
    const dropped = outage.dropped;
    log.warn({ dropped, kept: max }, `${countedGrouped(dropped, 'call record')} ${pluralNoun(dropped, 'was', 'were')} dropped while Redis was not ` +
      `answering (only the newest ${groupedDigits(max)} are kept): those calls are missing from the stream, the counters and the reports`);
  }

  return {
    async write(req) {
      if (closed) {
        log.warn({ callId: req.record.callId }, 'could not store the call record: chut stopped before it was written');
        return;
      }
      const entry: Entry = { seq: ++seq, req, sent: false, counted: false };
      if (backlog.length > 0 || draining) {
        // Not taken now either: it waits behind the records Redis did not take.
        entry.counted = true;
        deps.onError(lastError);
        keep(entry);
        return;
      }
      inFlight++;
      try {
        await deps.store.recordCall(req);
      } catch (err) {
        if (worthRetrying(err)) {
          entry.sent = mayHaveReachedRedis(err);
          failed(err, entry);
          keep(entry);
        } else {
          countFailure(err, entry);
          log.warn({ callId: req.record.callId, err: String(err) }, 'could not store the call record');
        }
      } finally {
        if (--inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
      }
    },
    size: () => backlog.length,
    newest(match) {
      for (let i = backlog.length - 1; i >= 0; i--) {
        const req = (backlog[i] as Entry).req;
        if (match(req)) return req;
      }
      return undefined;
    },
    async close(withinMs) {
      hurry = true;
      wake?.();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, withinMs); });
      try {
        await Promise.race([deadline, (async () => {
          await untilIdle();
          while (draining) await draining;
        })()]);
      } finally {
        clearTimeout(timer);
      }
      closed = true;
      wake?.();
      const left = backlog.length;
      if (left) {
        log.error({ unstored: left, dropped: outage.dropped }, `${countedGrouped(left + outage.dropped, 'call record')} could not be stored before chut stopped (Redis not answering): those calls are missing from the stream, the counters and the reports`);
      } else if (outage.dropped) {
        warnDropped();
      }
      idleWaiters = [];
      return left + outage.dropped;
    },
  };
}
