/** Builds the lookup script's KEYS/ARGV and turns its reply into a LookupResult (precedence and decay in TS). */
import { bucketOf, blockOf, candidatePrefixes } from './keys.js';
import { pickListed, unpackValue, type Candidate } from './records.js';
import type { RedisCtx } from './redis-ctx.js';
import { flatHash } from './redis-ctx.js';
import { scoreAt } from './score.js';
import { cleanWindows } from './empty.js';
import { windowMember } from './window-member.js';
import { windowCounts } from './window-counts.js';
import type { ListName, LookupRequest, LookupResult } from './types.js';

export function lookupArgs(ctx: RedisCtx, e164: string, req: LookupRequest): Array<string | number> {
  const { k } = ctx;
  const { bucket, field } = bucketOf(e164, ctx.buckets);
  const windows = cleanWindows(req.rateWindowsSec);
  return [
    k.bucket('allow', bucket), k.bucket('block', bucket), k.prefixes('allow'), k.prefixes('block'),
    k.sources, k.reasons, k.rep(e164), k.winNumber(e164), k.winBlock(blockOf(e164, req.blockDigits)),
    field, Math.floor(req.now), windows.length,
    ...(req.countCall && req.countCall.windowMs > 0
      ? [windowMember(req.now), Math.floor(req.countCall.windowMs)]
      : ['', 0]),
    ...windows.map((w) => Math.floor(req.now) - w * 1000),
    ...candidatePrefixes(e164).map((p) => p.slice(1)),
  ];
}

/** A hit is '' (none) or [packed value, source text, reason text]. */
function candidate(hit: unknown, list: ListName, match: Candidate['match'], entry: string): Candidate | null {
  if (!Array.isArray(hit)) return null;
  const [value, source, reason] = hit.map((x) => (x === null || x === undefined ? '' : String(x)));
  const f = unpackValue(value ?? '');
  if (!f) return null;
  return { list, match, entry, source: source || null, reason: reason || null, expiresAt: f.expiresAt };
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function counts(reply: unknown, windows: number[]): Record<string, number> {
  const arr: unknown[] = Array.isArray(reply) ? reply : [];
  let i = 0;
  return windowCounts(windows, () => Number(arr[i++] ?? 0));
}

export function decodeLookup(reply: unknown, req: LookupRequest): LookupResult {
  const e164 = req.e164 as string;
  const [allow, block, pa, pb, rep, numCounts, blockCounts] = reply as unknown[];
  const prefixes = candidatePrefixes(e164);
  const cands: Array<Candidate | null> = [candidate(allow, 'allow', 'exact', e164), candidate(block, 'block', 'exact', e164)];
  prefixes.forEach((p, i) => {
    cands.push(candidate((pa as unknown[] | undefined)?.[i], 'allow', 'prefix', p));
    cands.push(candidate((pb as unknown[] | undefined)?.[i], 'block', 'prefix', p));
  });
  const h = flatHash(rep);
  const s = num(h.s);
  const windows = cleanWindows(req.rateWindowsSec);
  return {
    listed: pickListed(cands.filter((c): c is Candidate => c !== null), req.now),
    score: s === null ? 0 : scoreAt({ score: s, at: num(h.st) ?? req.now, halfLifeMs: num(h.hl) ?? 0 }, req.now),
    trustedUntil: num(h.tu),
    reports: num(h.rp) ?? 0,
    captcha: { passed: num(h.cp) ?? 0, failed: num(h.cf) ?? 0, hungUp: num(h.ch) ?? 0 },
    recentCalls: { number: counts(numCounts, windows), block: counts(blockCounts, windows) },
    firstSeen: num(h.fs),
    lastSeen: num(h.ls),
  };
}
