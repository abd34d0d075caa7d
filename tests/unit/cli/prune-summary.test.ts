/** `chut prune`'s summary lines write their counts with grouped digits, as the pruner's log line and chut's other messages do. */
import { describe, expect, it } from 'vitest';
import { pruneFailedSummary, pruneSummary } from '../../../src/cli/commands/prune.js';

const BEFORE = Date.UTC(2026, 10, 23);

describe('chut prune summary', () => {
  it('groups the digits of large counts (old: "removed 1234 allowlist and 1200000 blocklist entries")', () => {
    expect(pruneSummary({ removed: { allow: 1234, block: 1_200_000 }, scanned: false }, BEFORE, false))
      .toBe('removed 1,234 allowlist and 1,200,000 blocklist entries that expired before 2026-11-23T00:00:00.000Z');
    expect(pruneSummary({ removed: { allow: 0, block: 12_500 }, scanned: true }, BEFORE, true))
      .toBe('would remove 0 allowlist and 12,500 blocklist entries that expired before 2026-11-23T00:00:00.000Z (every list entry read)');
    expect(pruneFailedSummary({ allow: 1000, block: 1 }, BEFORE))
      .toBe('before failing, removed 1,000 allowlist and 1 blocklist entries that expired before 2026-11-23T00:00:00.000Z (a step whose reply was lost may have removed more)');
  });

  it('keeps small counts and the noun as they were', () => {
    expect(pruneSummary({ removed: { allow: 0, block: 1 }, scanned: false }, BEFORE, false))
      .toBe('removed 0 allowlist and 1 blocklist entry that expired before 2026-11-23T00:00:00.000Z');
  });
});
