import { describe, expect, it } from 'vitest';
import { durationMs, parseExpiry, parseSince } from '../../src/when.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');

describe('times typed by users', () => {
  it('reads durations in seconds to weeks', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('10m')).toBe(600_000);
    expect(durationMs(' 24h ')).toBe(86_400_000);
    expect(durationMs('7d')).toBe(604_800_000);
    expect(durationMs('2w')).toBe(1_209_600_000);
    for (const bad of ['', 'h', '10', '10y', '1.5h', '-1d', '1234567d', 'yesterday']) expect(durationMs(bad), bad).toBeNull();
  });

  it('counts since back and expiry forward from now, or takes an ISO date', () => {
    expect(parseSince('24h', NOW)).toBe(NOW - 86_400_000);
    expect(parseExpiry('30d', NOW)).toBe(NOW + 30 * 86_400_000);
    expect(parseSince('2026-11-01', NOW)).toBe(Date.parse('2026-11-01'));
    expect(parseExpiry('2027-01-01T00:00:00Z', NOW)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(parseSince('2026-13-45', NOW)).toBeNull();
    expect(parseExpiry('soon', NOW)).toBeNull();
  });
});
