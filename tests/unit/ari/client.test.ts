import { describe, expect, it } from 'vitest';
import { defaultRetryStrategy } from '../../../src/ari/connection.js';
import { ariBaseUrl, buildQuery } from '../../../src/ari/rest.js';

describe('reconnect backoff', () => {
  it('grows exponentially, is capped, and is jittered within [50%, 100%] of each step', () => {
    const low = defaultRetryStrategy(250, 15_000, () => 0);
    const high = defaultRetryStrategy(250, 15_000, () => 1);
    expect([1, 2, 3, 4].map((a) => high(a))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((a) => low(a))).toEqual([125, 250, 500, 1000]);
    expect(high(50)).toBe(15_000);
    expect(low(50)).toBe(7_500);
  });

  it('never gives up on its own (Asterisk may come back at any time)', () => {
    expect(defaultRetryStrategy()(1000)).not.toBeNull();
  });
});

describe('REST URLs', () => {
  it('appends /ari once and strips any credentials written in the configured URL (it gets logged)', () => {
    expect(ariBaseUrl('http://127.0.0.1:8088')).toBe('http://127.0.0.1:8088/ari');
    expect(ariBaseUrl('http://127.0.0.1:8088/ari/')).toBe('http://127.0.0.1:8088/ari');
    expect(ariBaseUrl('https://chut:s3cret@pbx.example:8089/asterisk?x=1')).toBe('https://pbx.example:8089/asterisk/ari');
  });

  it('encodes query values, sends a list as one comma-separated value (Asterisk keeps only the last repeat), skips undefined ones', () => {
    expect(buildQuery({ media: ['sound:a', 'digits:12'], variable: 'STIR_SHAKEN(0,verify_result)', value: undefined }))
      .toBe('?media=sound%3Aa%2Cdigits%3A12&variable=STIR_SHAKEN%280%2Cverify_result%29');
    expect(() => buildQuery({ media: ['sound:a,b'] })).toThrow(/comma/);
    expect(buildQuery({ value: 'a&context=evil' })).toBe('?value=a%26context%3Devil');
    expect(buildQuery(undefined)).toBe('');
  });
});
