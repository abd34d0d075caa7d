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
