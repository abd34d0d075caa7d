import { afterEach, describe, expect, it } from 'vitest';
import { durationMs, LATEST_EXPIRY, parseExpiry, parseIsoTime, parseSince } from '../../src/when.js';

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

  it('refuses days a month does not have, instead of rolling over to the next month', () => {
    for (const bad of ['2026-02-30', '2027-02-29', '2026-04-31', '2026-11-00']) {
      expect(parseSince(bad, NOW), bad).toBeNull();
      expect(parseExpiry(bad, NOW), bad).toBeNull();
    }
    expect(parseExpiry('2028-02-29', NOW)).toBe(Date.UTC(2028, 1, 29));
    // the six-digit years toISOString writes past 9999 read back (an old export), with the same calendar check
    expect(parseIsoTime('+275760-09-13T00:00:00.000Z')).toBe(8_640_000_000_000_000);
    expect(parseIsoTime('+021192-02-30T00:00:00Z')).toBeNull();
  });

  it('takes expiries up to 9999-12-31 only: an export writes them as four-digit years, so the backup imports back', () => {
    expect(parseExpiry('9999-12-31', NOW)).toBe(Date.UTC(9999, 11, 31));
    expect(parseExpiry('999999w', NOW)).toBeNull();
    expect(new Date(LATEST_EXPIRY).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });
});

describe('an ISO time without an offset', () => {
  const hostZone = process.env.TZ;
  afterEach(() => {
    if (hostZone === undefined) delete process.env.TZ;
    else process.env.TZ = hostZone;
  });

  it.each(['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'UTC'])('is read as UTC, as a date alone is, with TZ=%s', (zone) => {
    process.env.TZ = zone;
    // the host's zone is in effect: Date itself reads a time without an offset in it
    if (zone !== 'UTC') expect(new Date(2026, 10, 24, 10).getTime()).not.toBe(Date.UTC(2026, 10, 24, 10));
    expect(parseSince('2026-11-24T10:00', NOW)).toBe(Date.UTC(2026, 10, 24, 10));
    expect(parseSince('2026-11-24 10:00:30.5', NOW)).toBe(Date.UTC(2026, 10, 24, 10, 0, 30, 500));
    expect(parseSince('2026-11-24T00:00', NOW)).toBe(parseSince('2026-11-24', NOW));
    expect(parseExpiry('2026-12-24T10:00', NOW)).toBe(Date.UTC(2026, 11, 24, 10));
    expect(parseIsoTime('+021192-02-03T00:00')).toBe(Date.UTC(21192, 1, 3));
    // an offset, when given, is what counts
    expect(parseSince('2026-11-24T10:00+05:30', NOW)).toBe(Date.UTC(2026, 10, 24, 4, 30));
    expect(parseSince('2026-11-24T10:00-0500', NOW)).toBe(Date.UTC(2026, 10, 24, 15));
    expect(parseSince('2026-11-24T10:00Z', NOW)).toBe(Date.UTC(2026, 10, 24, 10));
  });
});
