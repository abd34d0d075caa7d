import { describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS, keyspace } from '../../../src/reputation/keys.js';
import { packValue } from '../../../src/reputation/records.js';
import type { RedisCtx } from '../../../src/reputation/redis-ctx.js';
import { decodeLookup, lookupArgs } from '../../../src/reputation/redis-lookup.js';
import type { LookupRequest } from '../../../src/reputation/types.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const E164 = '+33162000042';
const req: LookupRequest = { e164: E164, rateWindowsSec: [60, 600], blockDigits: 8, now: NOW };
const added = (days: number) => Date.UTC(2026, 0, 1) + days * 86_400_000;
const value = (expiresAt: number | null = null) => packValue({ addedAt: added(0), expiresAt, sourceId: 1, reasonId: 0 });
/** A lookup-script reply: exact allow, exact block, allow prefix hits, block prefix hits, reputation, counts. */
const reply = (pa: unknown[], pb: unknown[]) => ['', '', pa, pb, [], [0, 0], [0, 0]];

describe('lookup script arguments and reply', () => {
  it('sends the number once, not every candidate prefix', () => {
    const ctx = { k: keyspace('chut:'), buckets: DEFAULT_BUCKETS } as unknown as RedisCtx;
    const args = lookupArgs(ctx, E164, req);
    expect(args).toHaveLength(9 + 6 + 2); // KEYS, fixed ARGV, one start per window
    expect(args[9 + 5]).toBe('33162000042');
    expect(args.filter((a) => a === '3316')).toEqual([]);
  });

  it('turns sparse prefix hits into entries; the longest prefix wins, allow wins a tie', () => {
    const r = decodeLookup(reply([4, value(), 'import', ''], [6, value(), 'fr-npv', 'telemarketing', 4, value(), '', '']), req);
    expect(r.listed).toMatchObject({ list: 'block', match: 'prefix', entry: '+331620', source: 'fr-npv', reason: 'telemarketing' });
    const tie = decodeLookup(reply([6, value(), '', ''], [6, value(), '', '']), req);
    expect(tie.listed).toMatchObject({ list: 'allow', entry: '+331620' });
  });

  it('skips expired prefix hits for the next longest', () => {
    const r = decodeLookup(reply([], [8, value(NOW - 1), '', '', 5, value(), '', '']), req);
    expect(r.listed).toMatchObject({ list: 'block', entry: '+33162' });
  });

  it('ignores malformed hits instead of inventing an entry', () => {
    const bad = [0, value(), '', '', 12, value(), '', '', 'x', value(), '', '', 3, 'not-a-value', '', '', 4, value()];
    expect(decodeLookup(reply(bad, 'nonsense' as unknown as unknown[]), req).listed).toBeNull();
  });
});
