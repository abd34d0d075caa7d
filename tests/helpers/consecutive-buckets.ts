/** Numbers whose list entries land in consecutive buckets, for tests that cut Redis off after a given import block. */
import { bucketOf, DEFAULT_BUCKETS } from '../../src/reputation/keys.js';

/**
 * 2200 mobile numbers in 2200 consecutive buckets (one key each, in bucket order, the order the import writes its
 * keys): the first 2000 are written by the blocks that go through, the last 200 by the block that never reaches Redis.
 */
export function consecutiveBucketNumbers(first: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 2200; i++) out.push(`+33${first + i}`);
  const buckets = out.map((e164) => bucketOf(e164, DEFAULT_BUCKETS).bucket);
  for (let i = 1; i < buckets.length; i++) if ((buckets[i] as number) <= (buckets[i - 1] as number)) throw new Error('pick another first number');
  return out;
}
