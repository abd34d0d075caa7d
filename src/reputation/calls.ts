/** Call records and enrichment as stored: cleaned, capped, (de)serialised the same way by both stores. */
import type { CallEnrichment, CallRecord, CallsPage } from './types.js';

export const CALLS_MAX_LIMIT = 500;
/**
 * How many stream entries one page of calls may look at. A filter that matches few calls (`action=reject` on a stream
 * of rings, a `since` the newest records are all too old for) would otherwise read the whole stream (100 000 entries by default: over a second,
 * on the connection the call path uses) for one page. Past this, the page ends short, or empty, with `next` set to
 * where it stopped: paging on still reaches every call. 10 000 is a tenth of the default stream, about 0.1 s of
 * reading, and 20 times the largest page, so a page without a filter is short only at the end of the stream.
 */
export const CALLS_SCAN_LIMIT = 10_000;
/** Records may reach the stream a little out of order (several instances, clocks): how far past `since` we keep reading. */
export const SINCE_SLACK_MS = 5 * 60_000;
const MAX_TEXT = 256;

function text(s: unknown, max = MAX_TEXT): string {
  return typeof s === 'string' ? s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').slice(0, max) : '';
}

/** Caps every caller-controlled string so one hostile call cannot bloat the stream. */
export function cleanCallRecord(r: CallRecord): CallRecord {
  return {
    // Outside ±8.64e15 a Date cannot name the hour/day key: such a time is garbage, file it at 0.
    time: Number.isFinite(r.time) && Math.abs(r.time) <= 8.64e15 ? Math.floor(r.time) : 0,
    pbx: text(r.pbx, 32), callId: typeof r.callId === 'string' ? r.callId.slice(0, 128) : '', rawCaller: text(r.rawCaller), caller: text(r.caller, 32),
    callerKind: r.callerKind, callerName: text(r.callerName), dialled: text(r.dialled, 64),
    action: text(r.action, 32), route: text(r.route, 32), rule: text(r.rule, 64),
    reasons: Array.isArray(r.reasons) ? r.reasons.slice(0, 20).map((x) => text(x, 512)) : [],
    shadow: r.shadow === true, degraded: r.degraded === true, captcha: r.captcha ?? null,
    latencyMs: Number.isFinite(r.latencyMs) ? r.latencyMs : 0,
  };
}

export function parseRecordJson(json: string | undefined): CallRecord | null {
  if (!json) return null;
  try {
    const r = JSON.parse(json) as CallRecord;
    return r && typeof r === 'object' && typeof r.time === 'number' ? r : null;
  } catch {
    return null;
  }
}

/** Enrichment as hash fields (absent field = null). */
export function enrichmentFields(e: CallEnrichment): Record<string, string> {
  const f: Record<string, string> = { answered: e.answered ? '1' : '0' };
  if (e.answeredBy !== null && e.answeredBy !== undefined) f.answeredBy = text(e.answeredBy, 64);
  if (e.talkSeconds !== null && Number.isFinite(e.talkSeconds)) f.talkSeconds = String(Math.max(0, Math.round(e.talkSeconds)));
  if (e.hangupCause !== null && e.hangupCause !== undefined) f.hangupCause = text(e.hangupCause, 64);
  return f;
}

export function enrichmentFrom(f: Record<string, string> | null | undefined): CallEnrichment | null {
  if (!f || f.answered === undefined) return null;
  return {
    answered: f.answered === '1',
    answeredBy: f.answeredBy ?? null,
    talkSeconds: f.talkSeconds !== undefined ? Number(f.talkSeconds) : null,
    hangupCause: f.hangupCause ?? null,
  };
}

/** Stream cap from config; nonsense falls back to the config default. */
export function streamCap(maxLen: number): number {
  return Number.isFinite(maxLen) && maxLen >= 1 ? Math.floor(maxLen) : 100_000;
}

export function clampLimit(limit: number): number {
  return Math.max(1, Math.min(CALLS_MAX_LIMIT, Number.isFinite(limit) ? Math.floor(limit) : 50));
}

/** A stream entry id as a calls cursor; the HTTP schema uses the same pattern, so a bad cursor is a 400, not a store error. */
export const STREAM_ID_PATTERN = '^[0-9]{1,16}-[0-9]{1,16}$';
const STREAM_ID = new RegExp(STREAM_ID_PATTERN);
export function checkCursor(before: string | undefined): string | undefined {
  if (before === undefined || before === '') return undefined;
  if (!STREAM_ID.test(before)) throw new Error(`invalid calls cursor ${JSON.stringify(before.slice(0, 40))}`);
  return before;
}

/** Compares stream ids `ms-seq` numerically. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

export type PagedCall = CallsPage['calls'][number];
