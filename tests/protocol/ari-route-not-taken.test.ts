/**
 * A reject (or voicemail) decided for a call that is no longer in chut's hands: the snippet's bound on Stasis has rung
 * it while Asterisk was slow to answer chut. Asterisk then answers chut's route requests 409 "Channel not in Stasis
 * application". The caller rang, so the call record must say ring, not reject: it is what the dashboard, the stats and
 * `chut report` show the user.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { testRedisUrl } from '../helpers/redis.js';
import { eventually, startAriHarness } from '../fakes/ari/index.js';

const BOUND_S = 0.6;

it('a reject whose requests reach Asterisk after the snippet\'s bound rang the call is recorded as ring', { timeout: 30_000 }, async () => {
  const h = await startAriHarness({ label: 'ari-not-taken', sim: { dialplan: { stasisTimeoutS: BOUND_S }, timing: { lingerMs: 3000 } } });
  const admin = new Redis(await testRedisUrl());
  const prefix = h.chut.config.redis.prefix;
  try {
    // Asterisk becomes slow once the call is in Stasis: chut's route requests are answered after the bound has passed
    const slow = (r: SimRequest) => { if (r.method === 'POST' && r.path.endsWith('/variable')) h.sim.faults.delayMs = 1200; };
    h.sim.on('request', slow);
    const out = await h.sim.placeCall({ callerNumber: '+33612990123', callerName: 'REJECT too late', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 10_000 });
    h.sim.off('request', slow);
    expect(out.route).toBe('ring');
    expect(out.dialplan).toContain('T: Set(TIMEOUT(absolute)=0)');
    await eventually(async () => (await admin.xlen(`${prefix}calls`)) === 1, 5000, 'the call record');
    const [[, fields]] = await admin.xrange(`${prefix}calls`, '-', '+') as [[string, string[]]];
    const record = JSON.parse(fields[fields.indexOf('record') + 1] ?? '{}') as { action: string; route: string };
    // the policy said reject; the caller got a ring, and the record says so
    expect(record).toMatchObject({ action: 'reject', route: 'ring' });
  } finally {
    h.sim.faults.delayMs = 0;
    admin.disconnect();
    await h.stop();
  }
});
