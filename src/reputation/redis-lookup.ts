/** Builds the lookup script's KEYS/ARGV and turns its reply into a LookupResult (precedence and decay in TS). */
import { bucketOf, blockOf } from './keys.js';
import { pickListed, unpackValue, type Candidate } from './records.js';
import type { RedisCtx } from './redis-ctx.js';
import { flatHash } from './redis-ctx.js';
import { scoreAt } from './score.js';
import { cleanWindows } from './empty.js';
import { windowCounts } from './window-counts.js';
import type { ListName, LookupRequest, LookupResult } from './types.js';

/** `windows`: the request's rate windows, cleaned once per lookup by the caller (decodeLookup reads the same). */
export function lookupArgs(ctx: RedisCtx, e164: string, req: LookupRequest, windows = cleanWindows(req.rateWindowsSec)): Array<string | number> {
  const { k } = ctx;
  const { bucket, field } = bucketOf(e164, ctx.buckets);
  return [
    k.bucket('allow', bucket), k.bucket('block', bucket), k.prefixes('allow'), k.prefixes('block'),
    k.sources, k.reasons, k.rep(e164), k.winNumber(e164), k.winBlock(blockOf(e164, req.blockDigits)),
    field, Math.floor(req.now), windows.length,
    ...(req.countCall && req.countCall.windowMs > 0
      ? [req.countCall.member, Math.floor(req.countCall.windowMs)]
      : ['', 0]),
    e164.slice(1),
    ...windows.map((w) => Math.floor(req.now) - w * 1000),
  ];
}

function text(x: unknown): string {
  return x === null || x === undefined ? '' : String(x);
}

function candidate(value: unknown, source: unknown, reason: unknown, list: ListName, match: Candidate['match'], entry: string): Candidate | null {
  const f = unpackValue(text(value));
  if (!f) return null;
  return { list, match, entry, source: text(source) || null, reason: text(reason) || null, expiresAt: f.expiresAt };
}

/** An exact hit is '' (none) or [packed value, source text, reason text]. */
function exact(hit: unknown, list: ListName, e164: string): Candidate | null {
  return Array.isArray(hit) ? candidate(hit[0], hit[1], hit[2], list, 'exact', e164) : null;
}

/** Prefix hits come flat, only those that exist: [prefix length in digits, value, source, reason, …]. */
function prefixHits(reply: unknown, list: ListName, e164: string, out: Candidate[]): void {
  if (!Array.isArray(reply)) return;
  for (let i = 0; i + 3 < reply.length; i += 4) {
    const digits = Number(reply[i]);
    if (!Number.isInteger(digits) || digits < 1 || digits >= e164.length) continue;
    const c = candidate(reply[i + 1], reply[i + 2], reply[i + 3], list, 'prefix', e164.slice(0, digits + 1));
    if (c) out.push(c);
  }
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function counts(reply: unknown, windows: readonly number[]): Record<string, number> {
  const arr: unknown[] = Array.isArray(reply) ? reply : [];
  return windowCounts(windows, (_, i) => Number(arr[i] ?? 0));
}

export function decodeLookup(reply: unknown, req: LookupRequest, windows = cleanWindows(req.rateWindowsSec)): LookupResult {
  const e164 = req.e164 as string;
  const [allow, block, pa, pb, rep, numCounts, blockCounts] = reply as unknown[];
  const cands: Candidate[] = [];
  for (const c of [exact(allow, 'allow', e164), exact(block, 'block', e164)]) if (c) cands.push(c);
  prefixHits(pa, 'allow', e164, cands);
  prefixHits(pb, 'block', e164, cands);
  const h = flatHash(rep);
  const s = num(h.s);
  return {
    listed: pickListed(cands, req.now),
    score: s === null ? 0 : scoreAt({ score: s, at: num(h.st) ?? req.now, halfLifeMs: num(h.hl) ?? 0 }, req.now),
    trustedUntil: num(h.tu),
    reports: num(h.rp) ?? 0,
    captcha: { passed: num(h.cp) ?? 0, failed: num(h.cf) ?? 0, hungUp: num(h.ch) ?? 0 },
    recentCalls: { number: counts(numCounts, windows), block: counts(blockCounts, windows) },
    firstSeen: num(h.fs),
    lastSeen: num(h.ls),
  };
}
