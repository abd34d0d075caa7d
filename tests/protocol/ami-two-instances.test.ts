/**
 * Two chut instances on one Asterisk (AMI dialplan mode) and one Redis: Asterisk sends every ChutQuery and ChutReport
 * to both AMI sessions, and only the instance that claims the call acts on it. One record, one set of counters, one
 * set of captcha digits on the channel, one report per *77. chut's real wiring twice, the AMI fake running our
 * dialplan, the real Redis.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AmiAdapter } from '../../src/ami/index.js';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { dayKey } from '../../src/reputation/keys.js';
import type { CallsPage } from '../../src/reputation/types.js';
import { parsePolicy } from '../../src/rules/index.js';
import { chutEncode } from '../../src/sim/ami/channel.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { createAmiFake, eventually, expectNoPerCallState, header, type AmiFake, type Packet } from '../fakes/ami/index.js';
import { TEST_POLICY } from '../helpers/policy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { TEST_DEADLINE_MS } from '../helpers/test-deadline.js';

const prefix = uniquePrefix('ami-two');
let sim: AmiFake;
let redisUrl = '';
let admin: Redis;
const chuts: RunningChut[] = [];
const logs: string[][] = [[], []];

let n = 0;
const caller = () => `+3361244${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'], callerNumber = caller()): SimulatedCall =>
  ({ callerNumber, callerName, dialled: '0100000000', behaviour });

async function recordsOf(callId: string): Promise<CallsPage['calls']> {
  return (await (chuts[0] as RunningChut).store.calls({ limit: 500 })).calls.filter((c) => c.callId === callId);
}

/** Waits until every instance is done with what it was handling (records written, reports made). */
async function settle(): Promise<void> {
  for (const c of chuts) await (c.adapters.find((a) => a.name === 'asterisk-ami') as AmiAdapter).idle();
}

/** Places the call, collecting the values both instances set for `variable` (on any session) while it runs. */
async function placeCollecting(c: SimulatedCall, variable: string): Promise<{ out: Awaited<ReturnType<AmiFake['placeCall']>>; values: string[] }> {
  const values: string[] = [];
  sim.server.onAction = (p: Packet) => { if (header(p, 'Variable') === variable) values.push(header(p, 'Value') ?? ''); };
  try {
    return { out: await sim.placeCall(c), values };
  } finally {
    sim.server.onAction = null;
  }
}

beforeAll(async () => {
  sim = createAmiFake({ talkMs: 300 });
  await sim.start();
  redisUrl = await testRedisUrl();
  admin = new Redis(redisUrl);
  const base = sim.chutConfig() as { ami: Record<string, unknown> };
  for (const i of [0, 1]) {
    const config = parseConfig({
      ...base, store: 'redis', redis: { url: redisUrl, prefix }, http: { enabled: false }, screening: { deadlineMs: TEST_DEADLINE_MS },
      captcha: { attempts: 1, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500, onFail: 'voicemail', onTimeout: 'reject' },
    });
    const sink = new Writable({ write(chunk, _enc, done) { logs[i]?.push(String(chunk)); done(); } });
    chuts.push(await startChut({ config, policy: parsePolicy(TEST_POLICY, 'test'), logger: createLogger('debug', sink), http: false }));
  }
  await eventually(() => sim.server.listeners() >= 2, 10_000, 'both instances logged in');
});
afterAll(async () => {
  for (const c of chuts) await c.stop();
  await sim.stop();
  await removeKeys(redisUrl, prefix);
  admin.disconnect();
});

describe('two chut instances on one Asterisk', () => {
  it('a captcha call is screened once: one record, one set of digits on the channel, counted once, one failure', async () => {
    const number = caller();
    const { out, values: digitsSent } = await placeCollecting(call('CAPTCHA dup', { kind: 'types', digits: '0000' }, number), 'CHUT_CAPTCHA_DIGITS');
    await eventually(async () => (await recordsOf(out.callId)).length > 0, 10_000, 'the record');
    await settle();
    expect(digitsSent).toHaveLength(1);
    expect(out.heardDigits).toBe(digitsSent[0]);
    const recs = await recordsOf(out.callId);
    expect(recs).toEqual([expect.objectContaining({ action: 'captcha', captcha: 'failed' })]);
    const day = await admin.hgetall(`${prefix}stats:d:${dayKey(recs[0]?.time ?? Date.now())}`);
    expect(day).toMatchObject({ 'total': '1', 'action:captcha': '1', 'captcha:failed': '1' });
    expect(await admin.hget(`${prefix}r:${number.slice(1)}`, 'cf')).toBe('1');
    // the loser logged that it left the call alone
    const skipped = logs.flat().filter((l) => l.includes(out.callId) && l.includes('another chut instance took this call'));
    expect(skipped).toHaveLength(1);
  });

  it('a call that rings is decided and recorded once, and enriched', async () => {
    const { out, values: decisions } = await placeCollecting(call('Alice Once', { kind: 'silent' }), 'CHUT_DECISION');
    expect(out.route).toBe('ring');
    expect(decisions).toEqual(['ring']);
    await eventually(async () => (await recordsOf(out.callId))[0]?.enrichment != null, 10_000, 'the enriched record');
    await settle();
    const recs = await recordsOf(out.callId);
    expect(recs).toEqual([expect.objectContaining({ action: 'ring', route: 'ring' })]);
    expect(await admin.hget(`${prefix}stats:d:${dayKey(recs[0]?.time ?? Date.now())}`, 'total')).toBe('2');
  });

  it('*77 reports the last caller once', async () => {
    const number = caller();
    const out = await sim.placeCall(call('Spam Once', { kind: 'silent' }, number));
    await eventually(async () => (await recordsOf(out.callId)).length > 0, 10_000, 'the record');
    await settle();
    sim.server.broadcast([
      ['Event', 'UserEvent'], ['Privilege', 'user,all'], ['Channel', 'PJSIP/100-0000002a'], ['ChannelState', '4'],
      ['ChannelStateDesc', 'Ring'], ['CallerIDNum', '100'], ['CallerIDName', 'Desk'], ['ConnectedLineNum', '<unknown>'],
      ['ConnectedLineName', '<unknown>'], ['Language', 'en'], ['AccountCode', ''], ['Context', 'from-internal'], ['Exten', '*77'],
      ['Priority', '1'], ['Uniqueid', '1795990000.277'], ['Linkedid', '1795990000.277'],
      ['UserEvent', 'ChutReport'], ['ChutKind', 'spam'], ['ChutTarget', chutEncode('100')],
    ]);
    await eventually(() => logs.flat().some((l) => l.includes('report-last-caller')), 5000, 'the report');
    await settle();
    const reports = logs.flat().filter((l) => l.includes('report-last-caller'));
    expect(reports).toHaveLength(1);
    expect(JSON.parse(reports[0] as string)).toMatchObject({ reported: number });
    expect(await admin.hget(`${prefix}r:${number.slice(1)}`, 'rp')).toBe('1');
  });

  it('neither instance holds anything for these calls afterwards', async () => {
    await settle();
    for (const c of chuts) {
      const adapter = c.adapters.find((a) => a.name === 'asterisk-ami') as AmiAdapter;
      await expectNoPerCallState(adapter);
    }
  });
});
