/**
 * The Redis reputation store. Lookup = one Lua call; post-call writes = one Lua call (both on the call path's lane when
 * it has one: redis-lane/); outcome = one Lua call.
 * Key layout and encodings: docs/redis-schema.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { ListEntry } from '../phone/types.js';
import { cleanCallRecord, enrichmentFields, streamCap } from './calls.js';
import {
  blockOf, DEFAULT_BUCKETS, isE164, KNOWN_LINES_CAP, KNOWN_LINES_TTL_SEC, keyspace, lastCallerToReport, SCHEMA_VERSION, targetPart,
  type Keyspace,
} from './keys.js';
import { ADD_IF_UNLISTED_LUA, INTERN_LUA, LOOKUP_LUA, OUTCOME_LUA, PRUNE_LUA, SCHEMA_LUA, UNDO_IMPORT_LUA } from './lua.js';
import { RECORD_LUA } from './record-lua.js';
import { windowMember } from './window-member.js';
import { decodeLookup, lookupArgs } from './redis-lookup.js';
import { run, type LuaCommands, type RedisCtx } from './redis-ctx.js';
import * as lists from './redis-lists.js';
import { pruneLists } from './redis-prune.js';
import { calls, stats } from './redis-reports.js';
import { isReadonlyReply, isRedisWriteRefusal, WRITES_REFUSED, writeRefusalLine } from '../redis-errors.js';
import { readonlySeen, writesTaken as redisTookWrites } from '../redis-replica.js';
import { redisVersionOf, tooOldRedis } from '../redis-version.js';
import { statFields } from './stats.js';
import { cleanWindows, emptyLookup } from './empty.js';
import type {
  AddListOptions, ImportListOptions,
  CallEnrichment, CallsPage, CallsQuery, ListName, ListRecord, ListRecords, LookupRequest, LookupResult, OutcomeUpdate,
  LastCallerState, PruneRequest, PruneResult, RecordCallRequest, ReputationStore, Stats, StatsQuery,
} from './types.js';
import { DAY_MS } from '../time-units.js';
import { CALL_PATH_TIMEOUTS } from '../redis-client.js';
import { ScriptLane, type LaneScript } from '../redis-lane/script-lane.js';

export const TTL = {
  repMs: 400 * DAY_MS,
  statsHourSec: 40 * 86_400,
  statsDaySec: 400 * 86_400,
  topSec: 40 * 86_400,
  enrichSec: 7 * 86_400,
  lastCallerSec: 30 * 86_400,
};

const COUNTER_FIELDS: Record<string, string> = { passed: 'cp', failed: 'cf', hungUp: 'ch', reports: 'rp' };

export class SchemaError extends Error {}

/** Why a store that answers is not healthy (health()): Redis refuses writes, or the call path failed lately. */
export type StoreTrouble = 'refuses-writes' | 'degraded';

export class StoreHealthError extends Error {
  override readonly name = 'StoreHealthError';
  constructor(readonly trouble: StoreTrouble, message: string) {
    super(message);
  }
}

/** How long a failed screening lookup or call record keeps health() failing when nothing on the call path succeeded
 * after it. */
export const CALL_PATH_FAILURE_MS = 60_000;

/** How many stream entries a replayed record is looked for among (0: a first attempt, not looked for). */
function replayLookBack(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? Math.min(Math.ceil(n), 100_000) : 0;
}

export interface RedisStoreOptions {
  url?: string;
  redis?: Redis;
  prefix: string;
  logger?: Logger;
  /** The call path's scripts on a lane of their own (redis-lane/script-lane.ts), bounded as the call path's client
   * is: for `chut run`, not for a command line. */
  callPathLane?: boolean;
}

/** How many of the call path's scripts' arguments are keys (lua.ts, record-lua.ts): the client and the lane send them alike. */
const LOOKUP_KEYS = 9;
const RECORD_KEYS = 11;

/** A script of this store's client as the call path's lane runs it. */
function laneScript(lua: string, numberOfKeys: number, viaClient: LaneScript['viaClient']): LaneScript {
  return { sha: createHash('sha1').update(lua).digest('hex'), numberOfKeys, viaClient };
}

export class RedisReputationStore implements ReputationStore {
  /** Requests sent to Redis (a command, a pipeline or a MULTI block each count one). */
  roundTrips = 0;
  private readonly redis: Redis;
  private readonly own: boolean;
  private readonly k: Keyspace;
  private ctxPromise: Promise<RedisCtx> | null = null;
  private readonly lane: ScriptLane | null;
  private readonly lookupScript: LaneScript;
  private readonly recordScript: LaneScript;
  /** Written into the claims this store wins (`claim:*`), so an operator can tell which chut took a call. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  /** The latest screening lookup (one that counts the call) or call record: when, and whether it failed. */
  private lastCallPath: { at: number; failed: boolean } | null = null;
  /** Since when Redis refuses writes (OOM, READONLY, MISCONF, NOREPLICAS), as last seen, and whether the log said so:
   * null once a write went through again. */
  private refusal: { since: number; logged: boolean } | null = null;

  constructor(private readonly opts: RedisStoreOptions) {
    this.k = keyspace(opts.prefix);
    this.own = !opts.redis;
    this.redis = opts.redis ?? new Redis(opts.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: false });
    if (this.own) this.redis.on('error', (err: Error) => opts.logger?.warn({ err: err.message }, 'redis connection error'));
    this.redis.defineCommand('chutLookup', { numberOfKeys: LOOKUP_KEYS, lua: LOOKUP_LUA });
    this.redis.defineCommand('chutOutcome', { numberOfKeys: 1, lua: OUTCOME_LUA });
    this.redis.defineCommand('chutIntern', { numberOfKeys: 2, lua: INTERN_LUA });
    this.redis.defineCommand('chutSchema', { numberOfKeys: 1, lua: SCHEMA_LUA });
    this.redis.defineCommand('chutRecord', { numberOfKeys: RECORD_KEYS, lua: RECORD_LUA });
    this.redis.defineCommand('chutAddIfUnlisted', { numberOfKeys: 3, lua: ADD_IF_UNLISTED_LUA });
    this.redis.defineCommand('chutPrune', { lua: PRUNE_LUA }); // its key count varies: given at each call
    this.redis.defineCommand('chutUndoImport', { lua: UNDO_IMPORT_LUA }); // so does this one's
    this.lane = opts.callPathLane
      ? new ScriptLane(this.redis, { commandMs: CALL_PATH_TIMEOUTS.commandTimeout, socketMs: CALL_PATH_TIMEOUTS.socketTimeout, logger: opts.logger })
      : null;
    this.lookupScript = laneScript(LOOKUP_LUA, LOOKUP_KEYS, (...args) => this.lua.chutLookup(...args));
    this.recordScript = laneScript(RECORD_LUA, RECORD_KEYS, (...args) => this.lua.chutRecord(...args));
  }

  /** Whether the call path's scripts go on their own lane now (tests and the benchmark read it). */
  get laneConnected(): boolean {
    return this.lane?.connected ?? false;
  }

  private callScript(script: LaneScript, args: Array<string | number>): Promise<unknown> {
    return this.lane ? this.lane.run(script, args) : script.viaClient(...args);
  }

  private get lua(): LuaCommands {
    return this.redis as unknown as LuaCommands;
  }

  /** First use: writes/reads the schema key once; refuses a newer schema. Retried after a failure. */
  private ctx(): Promise<RedisCtx> {
    this.ctxPromise ??= this.init().catch((err: unknown) => {
      this.ctxPromise = null;
      throw err;
    });
    return this.ctxPromise;
  }

  private async init(): Promise<RedisCtx> {
    this.roundTrips++;
    // one round trip: which Redis this is, beside the schema (a Redis too old for chut's scripts is refused in words)
    const p = this.redis.pipeline().info('server');
    (p as unknown as Pick<LuaCommands, 'chutSchema'>).chutSchema(this.k.schema, SCHEMA_VERSION, DEFAULT_BUCKETS, Date.now());
    const replies = await p.exec();
    if (!replies) throw new Error('Redis transaction aborted');
    const [[, info] = [], [schemaErr, schema] = []] = replies;
    const version = typeof info === 'string' ? redisVersionOf(info) : null; // INFO may be renamed away: not a refusal
    const old = version === null ? null : tooOldRedis(version);
    if (old) throw new SchemaError(old);
    if (schemaErr) throw schemaErr;
    const [schemaVersion, buckets] = schema as Array<string | null>;
    const v = Number(schemaVersion);
    if (!Number.isInteger(v) || v > SCHEMA_VERSION) {
      throw new SchemaError(`Redis keys under "${this.opts.prefix}" use schema version ${String(schemaVersion)}; this chut understands ` +
        `version ${SCHEMA_VERSION} and older. Upgrade chut, or use another redis.prefix.`);
    }
    const b = Number(buckets);
    if (!Number.isSafeInteger(b) || b < 1) throw new SchemaError(`bad bucket count ${String(buckets)} in ${this.k.schema}`);
    return { redis: this.redis, lua: this.lua, k: this.k, prefix: this.opts.prefix, buckets: b, trip: () => { this.roundTrips++; } };
  }

  /**
   * A screening lookup (one asked to count the call) is on the call path: its outcome is what health() reports. The
   * script still returns the facts when Redis refuses to count the call (lua.ts): the call is screened, uncounted.
   */
  async lookup(req: LookupRequest): Promise<LookupResult> {
    if (!isE164(req.e164)) return emptyLookup(req.rateWindowsSec);
    const counts = req.countCall !== undefined && req.countCall.windowMs > 0;
    let reply: unknown;
    const windows = cleanWindows(req.rateWindowsSec);
    try {
      const ctx = await this.ctx();
      this.roundTrips++;
      reply = await this.callScript(this.lookupScript, lookupArgs(ctx, req.e164, req, windows));
    } catch (err) {
      if (counts) this.callPathFailed(err);
      throw err;
    }
    const refusal = counts && Array.isArray(reply) ? String(reply[7] ?? '') : '';
    if (counts) {
      if (refusal === '') this.callPathSucceeded();
      else this.callPathFailed(new Error(refusal));
    }
    const facts = decodeLookup(reply, req, windows);
    // the call's record counts it once Redis takes writes again (RecordCallRequest.windowsCounted)
    if (refusal !== '') facts.uncounted = true;
    return facts;
  }

  async recordCall(req: RecordCallRequest): Promise<void> {
    try {
      await this.record(req);
    } catch (err) {
      this.callPathFailed(err);
      throw err;
    }
    this.callPathSucceeded();
  }

  private async record(req: RecordCallRequest): Promise<void> {
    await this.ctx();
    const r = cleanCallRecord(req.record);
    const valid = r.callerKind === 'valid' && isE164(r.caller);
    // Keys of a withheld/invalid caller are never touched; a fixed placeholder keeps the key count constant.
    const caller = valid ? r.caller : '+0';
    const member = req.windowMember ?? windowMember(r.time);
    const rang = r.route === 'ring';
    this.roundTrips++;
    // Same writes as setLastCaller(dialled, caller), folded in so the post-call writes stay one round trip;
    // only a caller whose call rang can be "the last caller" a user reports from a phone (a withheld or invalid
    // one is written as NO_REPORTABLE_CALLER).
    await this.callScript(this.recordScript, [
      this.k.winNumber(caller), this.k.winBlock(blockOf(caller, req.blockDigits)), this.k.rep(caller),
      this.k.top(r.time, r.action), this.k.lastCallerAny, this.k.lastCaller(r.dialled || 'none'),
      this.k.statsHour(r.time), this.k.statsDay(r.time), this.k.calls, this.k.replayed(r.time), this.k.knownLines,
      valid ? 1 : 0, rang ? 1 : 0, r.dialled !== '' ? 1 : 0, r.time, member,
      req.windowsCounted ? 0 : Math.max(0, Math.floor(req.maxWindowSec * 1000)),
      TTL.repMs, TTL.topSec, TTL.lastCallerSec, TTL.statsHourSec, TTL.statsDaySec, streamCap(req.streamMaxLen),
      r.action, JSON.stringify(r), caller, replayLookBack(req.replayLookBack), r.dialled !== '' ? targetPart(r.dialled) : '',
      ...statFields(r),
    ]);
  }

  async applyOutcome(u: OutcomeUpdate): Promise<number> {
    if (!isE164(u.e164)) throw new Error('applyOutcome: not an E.164 number');
    await this.ctx();
    const trust = u.trustedUntil === null ? 'clear' : Number.isFinite(u.trustedUntil) ? 'set' : 'keep';
    const counter = u.counter ? COUNTER_FIELDS[u.counter] ?? '' : '';
    const ttl = Math.max(TTL.repMs, (u.trustedUntil ?? 0) - u.now);
    this.roundTrips++;
    const score = await this.lua.chutOutcome(this.k.rep(u.e164), Math.floor(u.now), Number.isFinite(u.scoreDelta) ? u.scoreDelta : 0,
      Number.isFinite(u.halfLifeMs) && u.halfLifeMs > 0 ? u.halfLifeMs : 0, counter, trust, Math.floor(u.trustedUntil ?? 0), Math.ceil(ttl), u.resetReports === true ? 1 : 0,
      u.holdUntil !== undefined && Number.isFinite(u.holdUntil) ? Math.floor(u.holdUntil) : 0,
      u.once ? (u.once.report === 'spam' ? 's' : 'a') : '', u.once && Number.isFinite(u.once.withinMs) ? Math.max(0, Math.floor(u.once.withinMs)) : 0);
    return Number(score);
  }

  async enrichCall(callId: string, enrichment: CallEnrichment): Promise<void> {
    const ctx = await this.ctx();
    const key = this.k.enrich(String(callId));
    await run(ctx, this.redis.pipeline().del(key).hset(key, enrichmentFields(enrichment)).expire(key, TTL.enrichSec));
  }

  async setLastCaller(target: string, e164: string, now: number): Promise<void> {
    if (!isE164(e164)) return;
    const ctx = await this.ctx();
    const p = this.redis.pipeline().set(this.k.lastCallerAny, e164, 'EX', TTL.lastCallerSec);
    if (typeof target === 'string' && target !== '') {
      // the target becomes a known line, as a recorded call to it makes it (record-lua.ts)
      p.set(this.k.lastCaller(target), e164, 'EX', TTL.lastCallerSec)
        .zadd(this.k.knownLines, Number.isFinite(now) ? Math.floor(now) : Date.now(), targetPart(target))
        .zremrangebyrank(this.k.knownLines, 0, -(KNOWN_LINES_CAP + 1))
        .expire(this.k.knownLines, KNOWN_LINES_TTL_SEC);
    }
    await run(ctx, p);
  }

  async getLastCaller(target: string): Promise<string | null> {
    return lastCallerToReport(await this.lastCallerState(target));
  }

  /** One round trip: the target's last-caller key, whether it is a known line, the last caller to anyone. */
  async lastCallerState(target: string): Promise<LastCallerState> {
    const ctx = await this.ctx();
    if (typeof target !== 'string' || target === '') {
      ctx.trip();
      return { line: null, known: false, any: await this.redis.get(this.k.lastCallerAny) };
    }
    const p = this.redis.pipeline().get(this.k.lastCaller(target)).zscore(this.k.knownLines, targetPart(target)).get(this.k.lastCallerAny);
    const [line, known, any] = (await run(ctx, p)) as [string | null, string | null, string | null];
    return { line, known: known !== null, any };
  }

  async addListEntry(rec: ListRecord, opts: AddListOptions = {}): Promise<boolean> {
    return lists.addListEntry(await this.ctx(), rec, opts.exclusive === true);
  }

  async addListEntryIfUnlisted(rec: ListRecord): Promise<boolean> {
    return lists.addListEntryIfUnlisted(await this.ctx(), rec);
  }

  async removeListEntry(entry: ListEntry, list?: ListName): Promise<boolean> {
    return lists.removeListEntry(await this.ctx(), entry, list);
  }

  async getListEntry(entry: ListEntry): Promise<ListRecord[]> {
    return lists.getListEntry(await this.ctx(), entry);
  }

  async importList(records: ListRecords, opts: ImportListOptions = {}): Promise<void> {
    await lists.importList(await this.ctx(), records, opts.signal);
  }

  async *exportLists(): AsyncIterable<ListRecord> {
    yield* lists.exportLists(await this.ctx());
  }

  async pruneLists(req: PruneRequest): Promise<PruneResult> {
    return pruneLists(await this.ctx(), req);
  }

  async stats(q: StatsQuery): Promise<Stats> {
    return stats(await this.ctx(), q);
  }

  async calls(q: CallsQuery): Promise<CallsPage> {
    return calls(await this.ctx(), q);
  }

  /** `SET <prefix>claim:<scope>:<id> <instance> NX PX <ttl>`: one round trip, its own (never in the lookup script). */
  async claimCall(scope: string, id: string, ttlMs: number): Promise<boolean> {
    await this.ctx();
    const key = this.k.claim(scope, id);
    this.roundTrips++;
    const reply = await this.redis.set(key, this.instanceId, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
    return reply === 'OK';
  }

  /** Also fails while the store refuses the keys' schema (a newer chut's): health must not say ready then. Reads only:
   * a Redis that refuses writes still answers it (exports and reports work). One that cannot persist (`MISCONF`, a
   * failed background save) refuses PING itself, as it refuses writes: that answer is an answer too. */
  async ping(): Promise<void> {
    await this.ctx();
    this.roundTrips++;
    await this.redis.ping().catch((err: unknown) => {
      if (!(err instanceof Error && /^MISCONF\b/.test(err.message))) throw err;
    });
  }

  /**
   * /healthz: ping(), and also whether calls can be screened and recorded. One round trip: `HSETNX P schema version`,
   * a write that changes nothing (ctx() found the field), refused as every write is when Redis is out of memory, a
   * read-only replica, unable to save to disk or short of replicas (StoreHealthError `refuses-writes`; on a replica,
   * the client also checks whether its URL leads to a primary now, on a connection of its own: redis-replica.ts).
   * Then the call path as it went lately: when the latest screening lookup or call record failed (or Redis refused to
   * count the call) less than CALL_PATH_FAILURE_MS ago, and nothing on the call path succeeded since, `degraded`.
   */
  async health(): Promise<void> {
    try {
      const ctx = await this.ctx(); // under a prefix never used, this is the write that Redis may refuse
      this.roundTrips++;
      await ctx.redis.hsetnx(this.k.schema, 'version', SCHEMA_VERSION);
    } catch (err) {
      if (!isRedisWriteRefusal(err)) throw err;
      this.writesRefused(writeRefusalLine(err));
      throw new StoreHealthError('refuses-writes', `${WRITES_REFUSED}: ${writeRefusalLine(err)}`);
    }
    this.writesTaken();
    const last = this.lastCallPath;
    if (last?.failed && Date.now() - last.at < CALL_PATH_FAILURE_MS) {
      throw new StoreHealthError('degraded', `the latest screening lookup or call record failed ${Math.round((Date.now() - last.at) / 1000)} s ago`);
    }
  }

  /** A lookup that counted the call, or a call record: Redis took their writes. */
  private callPathSucceeded(): void {
    this.lastCallPath = { at: Date.now(), failed: false };
    this.writesTaken();
  }

  private callPathFailed(err: unknown): void {
    this.lastCallPath = { at: Date.now(), failed: true };
    if (isRedisWriteRefusal(err)) this.writesRefused(writeRefusalLine(err));
    // a refusal the lookup script caught reaches no reconnectOnError: the client is told (redis-replica.ts)
    if (isReadonlyReply(err)) readonlySeen(this.redis);
  }

  /** Said once when it starts (the lookups go on screening from what Redis holds), and once when it ends. */
  private writesRefused(why: string): void {
    this.refusal ??= { since: Date.now(), logged: false };
    if (this.refusal.logged) return;
    this.refusal.logged = true;
    this.opts.logger?.warn({ err: why }, `${WRITES_REFUSED}: calls are screened from what it holds, but neither counted nor recorded until it takes writes again`);
  }

  private writesTaken(): void {
    redisTookWrites(this.redis);
    const refusal = this.refusal;
    if (refusal === null) return;
    this.refusal = null;
    if (refusal.logged) this.opts.logger?.info({ refusedForMs: Date.now() - refusal.since }, 'Redis takes writes again: calls are counted and recorded');
  }

  async close(): Promise<void> {
    this.lane?.close();
    if (!this.own) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
