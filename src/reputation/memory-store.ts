/**
 * In-memory reputation store for the demo and unit tests: the same semantics as the Redis store (it passes the
 * same contract suite), sharing the precedence, score, stats and cleaning code. TTLs are not simulated.
 */
import { windowCounts } from './window-counts.js';
import { windowMember } from './window-member.js';
import type { ListEntry } from '../phone/types.js';
import { CALLS_SCAN_LIMIT, checkCursor, cleanCallRecord, clampLimit, streamCap, compareIds, enrichmentFields, enrichmentFrom, SINCE_SLACK_MS, type PagedCall } from './calls.js';
import { emptyLookup, cleanWindows } from './empty.js';
import {
  actionPart, blockOf, candidatePrefixes, claimScope, dayKey, DEFAULT_BUCKETS, exportOrder, hourKey, idPart, isE164, KNOWN_LINES_CAP,
  lastCallerLeftBy, lastCallerToReport, targetPart,
} from './keys.js';
import { cleanRecord, entryText, pickListed, prunable, recordAt, type Candidate } from './records.js';
import { applyScoreDelta, decayScore, decayStart, scoreAt } from './score.js';
import { addDay, addHour, emptyStats, statFields, statsPlan, topActions, topDays, topOf, TOP_SET_CAP } from './stats.js';
import type {
  AddListOptions, ImportListOptions,
  CallEnrichment, CallRecord, CallsPage, CallsQuery, ListName, ListRecord, ListRecords, LookupRequest, LookupResult, OutcomeUpdate,
  LastCallerState, PruneRequest, PruneResult, RecordCallRequest, ReputationStore, Stats, StatsQuery,
} from './types.js';
import { DAY_MS, HOUR_MS } from '../time-units.js';

interface Rep { s?: number; st?: number; hl?: number; tu?: number; rp: number; cp: number; cf: number; ch: number; fs?: number; ls?: number; rs?: number; ra?: number }

const LISTS: ListName[] = ['allow', 'block'];
/** Claims held at once (claimCall): past it, the oldest goes first. */
const MAX_CLAIMS = 10_000;
const listKey = (list: ListName, e: ListEntry) => `${list}|${e.kind}|${entryText(e)}`;

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

export class MemoryReputationStore implements ReputationStore {
  private readonly lists = new Map<string, ListRecord>();
  private readonly reps = new Map<string, Rep>();
  /** Rate windows: per number or block, each call's entry (member → time), as the Redis sorted sets hold them. */
  private readonly windows = new Map<string, Map<string, number>>();
  private readonly hours = new Map<string, Map<string, number>>();
  private readonly tops = new Map<string, Map<string, number>>();
  private stream: Array<{ id: string; record: CallRecord }> = [];
  private readonly enrichments = new Map<string, Record<string, string>>();
  private readonly last = new Map<string, string>();
  /** Known lines (`lines` in Redis): target part → last call time, least recently called first. */
  private readonly lines = new Map<string, number>();
  private lastId = { ms: 0, seq: 0 };
  /** claimCall: claim → when it expires, oldest first (claims share one TTL in practice, so also soonest first). */
  private readonly claims = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async lookup(req: LookupRequest): Promise<LookupResult> {
    const e164 = req.e164;
    if (!isE164(e164)) return emptyLookup(req.rateWindowsSec);
    const cands: Candidate[] = [];
    const add = (list: ListName, entry: ListEntry, match: Candidate['match']) => {
      const r = this.lists.get(listKey(list, entry));
      if (r) cands.push({ list, match, entry: entryText(entry), reason: r.reason, source: r.source, expiresAt: r.expiresAt });
    };
    for (const l of LISTS) {
      add(l, { kind: 'number', e164 }, 'exact');
      for (const p of candidatePrefixes(e164)) add(l, { kind: 'prefix', prefix: p }, 'prefix');
    }
    const rep = this.reps.get(e164);
    const windows = cleanWindows(req.rateWindowsSec);
    const count = (key: string) => windowCounts(windows, (w) => {
      const from = req.now - w * 1000;
      let n = 0;
      for (const t of this.windows.get(key)?.values() ?? []) if (t > from && t <= req.now) n++;
      return n;
    });
    const recentCalls = { number: count(`n:${e164}`), block: count(`b:${blockOf(e164, req.blockDigits)}`) };
    if (req.countCall && req.countCall.windowMs > 0) {
      for (const key of [`n:${e164}`, `b:${blockOf(e164, req.blockDigits)}`]) this.countIn(key, req.now, req.countCall.windowMs, req.countCall.member);
    }
    return {
      listed: pickListed(cands, req.now),
      score: rep?.s === undefined ? 0 : scoreAt({ score: rep.s, at: rep.st ?? req.now, halfLifeMs: rep.hl ?? 0 }, req.now),
      trustedUntil: rep?.tu ?? null,
      reports: rep?.rp ?? 0,
      captcha: { passed: rep?.cp ?? 0, failed: rep?.cf ?? 0, hungUp: rep?.ch ?? 0 },
      recentCalls,
      firstSeen: rep?.fs ?? null,
      lastSeen: rep?.ls ?? null,
    };
  }

  private countIn(key: string, time: number, windowMs: number, member: string): void {
    const entries = this.windows.get(key) ?? new Map<string, number>();
    for (const [m, t] of entries) if (t < time - windowMs) entries.delete(m);
    entries.set(member, time);
    this.windows.set(key, entries);
  }

  private rep(e164: string): Rep {
    let r = this.reps.get(e164);
    if (!r) this.reps.set(e164, (r = { rp: 0, cp: 0, cf: 0, ch: 0 }));
    return r;
  }

  async recordCall(req: RecordCallRequest): Promise<void> {
    const r = cleanCallRecord(req.record);
    if (r.callerKind === 'valid' && isE164(r.caller)) {
      const windowMs = Math.floor(req.maxWindowSec * 1000);
      if (windowMs > 0 && !req.windowsCounted) {
        const member = req.windowMember ?? windowMember(r.time);
        for (const key of [`n:${r.caller}`, `b:${blockOf(r.caller, req.blockDigits)}`]) this.countIn(key, r.time, windowMs, member);
      }
      const rep = this.rep(r.caller);
      rep.fs ??= r.time;
      rep.ls = r.time;
      const top = `${dayKey(r.time)}|${actionPart(r.action)}`;
      if (!this.tops.has(top)) this.tops.set(top, new Map());
      const day = this.tops.get(top) as Map<string, number>;
      bump(day, r.caller);
      if (day.size > TOP_SET_CAP) day.delete(lowestRanked(day, r.caller));
    }
    // only a caller whose call rang can be "the last caller" a user reports from a phone; a withheld or invalid one
    // is nobody to report, and must not leave the caller before it as the one reported
    if (r.route === 'ring') this.rememberLastCaller(r.dialled, lastCallerLeftBy(r));
    if (r.dialled !== '') this.markLine(r.dialled, r.time);
    const hour = hourKey(r.time);
    if (!this.hours.has(hour)) this.hours.set(hour, new Map());
    for (const f of statFields(r)) bump(this.hours.get(hour) as Map<string, number>, f);
    this.stream.push({ id: this.nextId(), record: r });
    const maxLen = streamCap(req.streamMaxLen);
    if (this.stream.length > maxLen) this.stream = this.stream.slice(-maxLen);
  }

  private nextId(): string {
    const ms = Math.max(Math.floor(this.clock()), this.lastId.ms);
    this.lastId = ms === this.lastId.ms ? { ms, seq: this.lastId.seq + 1 } : { ms, seq: 0 };
    return `${ms}-${this.lastId.seq}`;
  }

  async applyOutcome(u: OutcomeUpdate): Promise<number> {
    if (!isE164(u.e164)) throw new Error('applyOutcome: not an E.164 number');
    const rep = this.rep(u.e164);
    const halfLife = Number.isFinite(u.halfLifeMs) && u.halfLifeMs > 0 ? u.halfLifeMs : 0;
    const before = rep.st === undefined ? rep.s ?? 0 : decayScore(rep.s ?? 0, u.now - rep.st, halfLife);
    const field = u.once ? (u.once.report === 'spam' ? 'rs' : 'ra') : null;
    if (u.once && field) {
      const last = rep[field];
      if (last !== undefined && u.now >= last && u.now - last < u.once.withinMs) return before; // the same report again
    }
    rep.s = applyScoreDelta(before, u.scoreDelta);
    rep.st = decayStart(u.now, u.holdUntil, rep.st);
    rep.hl = halfLife;
    if (u.counter === 'passed') rep.cp++;
    else if (u.counter === 'failed') rep.cf++;
    else if (u.counter === 'hungUp') rep.ch++;
    else if (u.counter === 'reports') rep.rp++;
    if (u.resetReports === true) rep.rp = 0;
    if (u.trustedUntil === null) delete rep.tu;
    else if (Number.isFinite(u.trustedUntil)) rep.tu = Math.floor(u.trustedUntil as number);
    if (field) {
      rep[field] = Math.floor(u.now);
      delete rep[field === 'rs' ? 'ra' : 'rs'];
    }
    return rep.s;
  }

  async enrichCall(callId: string, enrichment: CallEnrichment): Promise<void> {
    this.enrichments.set(idPart(String(callId)), enrichmentFields(enrichment));
  }

  async setLastCaller(target: string, e164: string, now: number): Promise<void> {
    if (!isE164(e164)) return;
    this.rememberLastCaller(target, e164);
    if (typeof target === 'string' && target !== '') this.markLine(target, now);
  }

  /** As the record script does: the line just called is kept, the one called least recently goes past the cap. */
  private markLine(target: string, time: number): void {
    const line = targetPart(target);
    // a record replayed after an outage (an older time) leaves a line called since where it is, as ZADD GT does
    if ((this.lines.get(line) ?? -Infinity) >= time) return;
    this.lines.delete(line);
    this.lines.set(line, time);
    if (this.lines.size > KNOWN_LINES_CAP) this.lines.delete(this.lines.keys().next().value as string);
  }

  private rememberLastCaller(target: string, caller: string): void {
    this.last.set('*', caller);
    if (typeof target === 'string' && target !== '') this.last.set(targetPart(target), caller);
  }

  async getLastCaller(target: string): Promise<string | null> {
    return lastCallerToReport(await this.lastCallerState(target));
  }

  async lastCallerState(target: string): Promise<LastCallerState> {
    const line = typeof target === 'string' && target !== '' ? targetPart(target) : null;
    return {
      line: line === null ? null : this.last.get(line) ?? null,
      known: line !== null && this.lines.has(line),
      any: this.last.get('*') ?? null,
    };
  }

  async addListEntry(rec: ListRecord, opts: AddListOptions = {}): Promise<boolean> {
    const c = cleanRecord(rec);
    this.lists.set(listKey(c.list, c.entry), c);
    return opts.exclusive === true && this.lists.delete(listKey(c.list === 'allow' ? 'block' : 'allow', c.entry));
  }

  async addListEntryIfUnlisted(rec: ListRecord): Promise<boolean> {
    const c = cleanRecord(rec);
    const live = LISTS.some((l) => {
      const r = this.lists.get(listKey(l, c.entry));
      return r !== undefined && (r.expiresAt === null || r.expiresAt > c.addedAt);
    });
    if (live) return false;
    this.lists.set(listKey(c.list, c.entry), c);
    return true;
  }

  async removeListEntry(entry: ListEntry, list?: ListName): Promise<boolean> {
    let removed = false;
    for (const l of list ? [list] : LISTS) removed = this.lists.delete(listKey(l, entry)) || removed;
    return removed;
  }

  async getListEntry(entry: ListEntry): Promise<ListRecord[]> {
    return LISTS.flatMap((l) => {
      const r = this.lists.get(listKey(l, entry));
      return r ? [structuredClone(r)] : [];
    });
  }

  async importList(records: ListRecords, opts: ImportListOptions = {}): Promise<void> {
    opts.signal?.throwIfAborted(); // applied in one go: only an abort before it can stop it
    const clean = Array.from({ length: records.length }, (_, i) => cleanRecord(recordAt(records, i)));
    for (const c of clean) this.lists.set(listKey(c.list, c.entry), c);
  }

  async *exportLists(): AsyncIterable<ListRecord> {
    for (const r of [...this.lists.values()].sort(exportOrder(DEFAULT_BUCKETS))) yield structuredClone(r);
  }

  async pruneLists(req: PruneRequest): Promise<PruneResult> {
    req.signal?.throwIfAborted(); // done in one go: only an abort before it can stop it
    const removed = req.removed ?? { allow: 0, block: 0 };
    for (const [key, r] of this.lists) {
      if (!prunable(r.expiresAt, req.expiredBefore)) continue;
      removed[r.list]++;
      if (req.dryRun !== true) this.lists.delete(key);
    }
    // every entry is read every time, and none is ever missing from an index: a scan is one only when asked for
    return { removed, scanned: req.scan === 'always' };
  }

  async stats(q: StatsQuery): Promise<Stats> {
    q.signal?.throwIfAborted(); // read in one go: only an abort before it can stop it
    const plan = statsPlan(q.since, q.now);
    const out = emptyStats(plan.since);
    // the same plan as Redis (days, then hours); a day here is the sum of its hours, which never expire in memory
    for (const d of plan.days) {
      const day: Record<string, number> = {};
      for (let h = d; h < d + DAY_MS; h += HOUR_MS) for (const [f, n] of this.hours.get(hourKey(h)) ?? []) day[f] = (day[f] ?? 0) + n;
      addDay(out, day);
    }
    for (const h of plan.hours) addHour(out, h, Object.fromEntries(this.hours.get(hourKey(h)) ?? []));
    // the actions of the days the top callers are read from, as the Redis store reads them from its daily counters
    const days = topDays(q.since, q.now);
    const dayFields = days.map((d) => {
      const fields = new Set<string>();
      for (let h = d; h < d + DAY_MS; h += HOUR_MS) for (const [f, n] of this.hours.get(hourKey(h)) ?? []) if (n !== 0) fields.add(f);
      return fields;
    });
    for (const a of topActions(dayFields)) {
      const top = topOf(days.map((d) => this.tops.get(`${dayKey(d)}|${actionPart(a)}`) ?? new Map<string, number>()));
      if (top.length) out.topCallers[a] = top;
    }
    return out;
  }

  /** As the Redis store reads its stream (redis-reports.ts calls): CALLS_SCAN_LIMIT entries a page at most. */
  async calls(q: CallsQuery): Promise<CallsPage> {
    q.signal?.throwIfAborted();
    const limit = clampLimit(q.limit);
    const before = checkCursor(q.before);
    // bounded by write time (the id), filtered by the call's time: a record written late hides nothing (redis-reports.ts)
    const floor = q.since === undefined ? -Infinity : q.since - SINCE_SLACK_MS;
    const inRange = (i: number) => i >= 0 && Number((this.stream[i] as { id: string }).id.split('-')[0]) >= floor;
    const out: PagedCall[] = [];
    let i = before === undefined ? this.stream.length - 1 : newestBefore(this.stream, before);
    let last: string | null = null;
    for (let examined = 0; inRange(i) && out.length < limit && examined < CALLS_SCAN_LIMIT; examined++, i--) {
      const { id, record } = this.stream[i] as { id: string; record: CallRecord };
      last = id;
      if (q.since !== undefined && record.time < q.since) continue;
      if (q.action !== undefined && record.action !== q.action) continue;
      out.push({ ...structuredClone(record), id, enrichment: enrichmentFrom(this.enrichments.get(idPart(record.callId))) });
    }
    return { calls: out, next: inRange(i) ? last : null };
  }

  async claimCall(scope: string, id: string, ttlMs: number): Promise<boolean> {
    const key = `${claimScope(scope)}:${idPart(id)}`;
    const now = this.clock();
    const until = this.claims.get(key);
    if (until !== undefined && until > now) return false;
    this.claims.delete(key);
    for (const [k, expires] of this.claims) {
      if (expires > now && this.claims.size < MAX_CLAIMS) break;
      this.claims.delete(k);
    }
    this.claims.set(key, now + Math.max(1, Math.floor(ttlMs)));
    return true;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/** The index of the newest entry older than `before` (-1: none); ids only grow (nextId). */
function newestBefore(stream: ReadonlyArray<{ id: string }>, before: string): number {
  let lo = 0;
  let hi = stream.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds((stream[mid] as { id: string }).id, before) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The member a sorted set ranks first (fewest calls, then the smallest caller), the caller just counted aside. */
function lowestRanked(day: ReadonlyMap<string, number>, except: string): string {
  let low: [string, number] | null = null;
  for (const e of day) if (e[0] !== except && (!low || e[1] < low[1] || (e[1] === low[1] && e[0] < low[0]))) low = e;
  return low ? low[0] : '';
}
