/**
 * Stopping chut (SIGTERM: a restart, an upgrade) with a call in progress: the call rings (fail-open), and its record
 * still reaches Redis. The store must close only after the calls let go and their post-call writes are done.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { createRedisStore } from '../../src/reputation/index.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { removeKeys, testRedisUrl } from '../helpers/redis.js';
import { eventually, startAriHarness } from '../fakes/ari/index.js';

it('a call in its captcha when chut stops rings, and its record is in the stream and the counters all the same', { timeout: 60_000 }, async () => {
  const h = await startAriHarness({ label: 'ari-stoprec', config: { captcha: { attempts: 2, firstDigitTimeoutMs: 20_000, interDigitTimeoutMs: 5000, onFail: 'voicemail', onTimeout: 'reject' } } });
  const url = await testRedisUrl();
  const prefix = h.chut.config.redis.prefix;
  const admin = new Redis(url);
  let prompted = false;
  h.sim.on('request', (r: SimRequest) => { if (r.method === 'POST' && r.path.endsWith('/play')) prompted = true; });
  try {
    // the caller types nothing: the captcha waits for its first digit
    const pending = h.sim.placeCall({ callerNumber: '+33612990077', callerName: 'CAPTCHA Stop', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 30_000 });
    await eventually(() => h.adapter.liveCalls() === 1, 10_000, 'the call in chut\'s hands');
    await eventually(() => prompted, 10_000, 'the captcha\'s question');
    await h.chut.stop();
    expect((await pending).route).toBe('ring'); // fail-open
    const entries = await admin.xrange(`${prefix}calls`, '-', '+');
    const records = entries.map(([, f]) => JSON.parse(f[f.indexOf('record') + 1] ?? '{}') as { callerName: string; action: string });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ callerName: 'CAPTCHA Stop', action: 'captcha' });
    const reader = createRedisStore({ url, prefix });
    try {
      const stats = await reader.stats({ since: Date.now() - 3_600_000, now: Date.now() });
      expect([stats.total, stats.byAction.captcha]).toEqual([1, 1]);
    } finally {
      await reader.close();
    }
    expect(h.logs.filter((l) => l.includes('could not store'))).toEqual([]);
  } finally {
    admin.disconnect();
    await h.sim.stop();
    await removeKeys(url, prefix);
  }
});
