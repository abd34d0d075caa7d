/** The reputation store: port, Redis and in-memory adapters, list import/export, score arithmetic. */
import { MemoryReputationStore } from './memory-store.js';
import { RedisReputationStore, type RedisStoreOptions } from './redis-store.js';
import type { ReputationStore } from './types.js';

export type * from './types.js';
export { CALL_PATH_FAILURE_MS, RedisReputationStore, SchemaError, StoreHealthError, TTL, type StoreTrouble } from './redis-store.js';
export { MemoryReputationStore } from './memory-store.js';
export { decodeListFile, type ListFileCharset } from './list-file-text.js';
export { parseImport, importSteps, parseDay, ImportError, FTC_HEADER, CHUT_HEADER, type ImportFormat, type ImportOptions, type ParsedImport } from './import.js';
export { formatExport, exportLine } from './export.js';
export { decayScore, applyScoreDelta, roundScore, scoreAt, SCORE_MIN, SCORE_MAX } from './score.js';
export { keyspace, bucketOf, blockOf, isE164, isPrefixEntry, SCHEMA_VERSION, DEFAULT_BUCKETS } from './keys.js';
export { MAX_REASON_CHARS, MAX_SOURCE_CHARS, MalformedRecordError } from './records.js';
export { windowMember } from './window-member.js';

export function createRedisStore(opts: RedisStoreOptions): RedisReputationStore {
  return new RedisReputationStore(opts);
}

export function createMemoryStore(opts?: { clock?: () => number }): ReputationStore {
  return new MemoryReputationStore(opts?.clock);
}
export { ImportUnconfirmedError } from './redis-lists.js';
