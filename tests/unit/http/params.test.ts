import { describe, it, expect } from 'vitest';
import { bearerToken } from '../../../src/http/auth.js';
import { HttpError } from '../../../src/http/errors.js';
import { cleanText, parseExpires, parseSince } from '../../../src/http/params.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');

describe('parseSince', () => {
  it.each([
    ['24h', NOW - 24 * 3_600_000],
    ['7d', NOW - 7 * 86_400_000],
    ['30m', NOW - 30 * 60_000],
    ['2026-11-27T00:00:00Z', Date.parse('2026-11-27T00:00:00Z')],
    ['2026-11-27', Date.parse('2026-11-27')],
  ])('%s', (text, expected) => {
    expect(parseSince(text, NOW, '24h')).toBe(expected);
  });

  it('uses the fallback when absent', () => {
    expect(parseSince(undefined, NOW, '7d')).toBe(NOW - 7 * 86_400_000);
  });

  it.each(['yesterday', '24', '-1d', '2027-01-01', '2026-13-45', "'; DROP"])('rejects %s with a 400', (text) => {
    expect(() => parseSince(text, NOW, '24h')).toThrow(HttpError);
    try {
      parseSince(text, NOW, '24h');
    } catch (err) {
      expect((err as HttpError).statusCode).toBe(400);
    }
  });
});

describe('parseSince from a client whose clock is ahead of the server\'s', () => {
  it('takes a date up to an hour after the server\'s time as it is: a period that has not begun, not a 400', () => {
    // the dashboard's "today" from a browser 90 s ahead, just after its midnight
    expect(parseSince('2026-11-28T12:01:30Z', NOW, '24h')).toBe(Date.parse('2026-11-28T12:01:30Z'));
    expect(parseSince('2026-11-28T13:00:00Z', NOW, '24h')).toBe(NOW + 3_600_000);
  });

  it('refuses a date more than an hour ahead, giving the server\'s time', () => {
    expect(() => parseSince('2026-11-28T13:00:01Z', NOW, '24h')).toThrow(/more than an hour after the server's time \(2026-11-28T12:00:00.000Z\)/);
  });
});

describe('parseExpires', () => {
  it('reads durations from now and future dates, and nothing as no expiry', () => {
    expect(parseExpires('30d', NOW)).toBe(NOW + 30 * 86_400_000);
    expect(parseExpires('2027-01-01T00:00:00Z', NOW)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(parseExpires(undefined, NOW)).toBeNull();
    expect(parseExpires('', NOW)).toBeNull();
  });

  it('rejects past dates and nonsense', () => {
    expect(() => parseExpires('2020-01-01', NOW)).toThrow(/past/);
    expect(() => parseExpires('forever', NOW)).toThrow(/expires/);
  });
});

describe('bearerToken and cleanText', () => {
  it('extracts the token only from a Bearer header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  xyz')).toBe('xyz');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('keeps free text on one line', () => {
    expect(cleanText(' spam\r\ncaller\u0007 ')).toBe('spam  caller');
    expect(cleanText('   ')).toBeNull();
  });
});
