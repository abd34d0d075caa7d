/**
 * A StasisStart whose channel id chut may not put in a REST path (events.ts CHANNEL_ID: `..`, a slash…): chut cannot
 * `continue` that channel, so the call waits in Stasis until the snippet's absolute timeout rings it. The
 * administrator must hear of it: one warning, throttled, showing the id as a person can read it; and each such call is
 * counted on /metrics (chut_pbx_calls_unscreened_total{adapter="asterisk-ari",reason="channel-id"}), where the
 * throttled warning only says how many now and then.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, expect, it, vi } from 'vitest';
import { createAriAdapter, type AriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createMetrics, type Metrics } from '../../src/http/index.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import type { ScreeningService } from '../../src/screening/types.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually } from '../fakes/ari/index.js';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/asterisk/ari-stasis-call.jsonl', import.meta.url), 'utf8').split('\n')[0] as string) as
  Record<string, unknown> & { channel: Record<string, unknown> };
const stasisStart = (id: string) => JSON.stringify({ ...recorded, channel: { ...recorded.channel, id } });

let sim: AriSimulator | null = null;
let adapter: AriAdapter | null = null;
afterEach(async () => {
  await adapter?.stop();
  await sim?.stop();
  adapter = sim = null;
});

async function start(): Promise<{ warnings: () => string[]; requests: SimRequest[] }> {
  sim = new AriSimulator();
  await sim.start();
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger('debug', new Writable({ write(c, _e, done) { lines.push(JSON.parse(String(c)) as { level: number; msg: string }); done(); } }));
  const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password, app: sim.app } });
  const screening = { handleCall: () => Promise.reject(new Error('no call should be screened')) } as unknown as ScreeningService;
  adapter = createAriAdapter({ config, logger, screening }, { orphanSweepDelayMs: 60_000 });
  const requests: SimRequest[] = [];
  sim.on('request', (r: SimRequest) => { if (r.path.startsWith('/channels')) requests.push(r); });
  await adapter.start();
  await sim.waitForChut();
  return { warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg), requests };
}

it('warns once, showing the refused id with its invisible characters escaped, and sends nothing to Asterisk for it', async () => {
  const { warnings, requests } = await start();
  sim?.faults.sendRaw(stasisStart('../../asterisk/info\u200b'));
  await eventually(() => warnings().length > 0, 5000, 'the warning');
  expect(warnings()).toHaveLength(1);
  expect(warnings()[0]).toContain('"../../asterisk/info\\u200b"');
  expect(warnings()[0]).toContain('waits in Stasis');
  expect(warnings()[0]).toContain('; 1 such call since chut started or last warned of it');
  // more such calls within the throttle period: counted for the next warning, not one line each
  sim?.faults.sendRaw(stasisStart('..'));
  sim?.faults.sendRaw(stasisStart('a/b'));
  // a readable call after them is screened (the frames before it were handled, in order)
  sim?.faults.sendRaw(stasisStart('1795889353.33'));
  await eventually(() => requests.length > 0, 5000, 'a request for the readable call');
  expect(warnings().filter((w) => w.includes('waits in Stasis'))).toHaveLength(1);
  expect(requests.every((r) => r.channelId === '1795889353.33')).toBe(true);
});

it('cuts a long refused id in the warning', async () => {
  const { warnings } = await start();
  sim?.faults.sendRaw(stasisStart(`${'x'.repeat(300)}/`));
  await eventually(() => warnings().length > 0, 5000, 'the warning');
  expect(warnings()[0]).toContain(`"${'x'.repeat(127)}…"`);
  expect(warnings()[0]).not.toContain('x'.repeat(128));
});

/** The /metrics text's count of ARI calls refused for their channel id (null: no such series). */
async function refusedIds(metrics: Metrics): Promise<number | null> {
  const line = /^chut_pbx_calls_unscreened_total\{adapter="asterisk-ari",reason="channel-id"\} (\d+)$/m.exec(await metrics.render());
  return line ? Number(line[1]) : null;
}

it('counts each such call on /metrics, once: not again when the sweep after a reconnection finds it still parked', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const metrics = createMetrics({ pbx: ['asterisk-ari'], decisions: [], unscreened: [{ adapter: 'asterisk-ari', reason: 'channel-id' }] });
  const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password, app: sim.app } });
  const screening = { handleCall: () => Promise.reject(new Error('no call should be screened')) } as unknown as ScreeningService;
  let sweeps = 0;
  sim.on('request', (r: SimRequest) => { if (r.method === 'GET' && r.path === '/channels') sweeps++; });
  adapter = createAriAdapter({ config, logger: silentLogger(), screening, counters: metrics }, { orphanSweepDelayMs: 50, orphanRecheckMs: 100 });
  await adapter.start();
  await sim.waitForChut();
  await eventually(() => sweeps === 1, 5000, 'the first sweep');
  expect(await refusedIds(metrics)).toBe(0);

  // unreadable frames and a real channel an originate named: each waits in Stasis unscreened
  sim.faults.sendRaw(stasisStart('..'));
  sim.faults.sendRaw(stasisStart('a/b'));
  const parked = { callerName: 'Custom id', dialled: '0100000000', behaviour: { kind: 'silent' as const }, maxDurationMs: 10_000 };
  void sim.placeCall({ ...parked, callerNumber: '+33612990301' }, { channelId: '../../asterisk/info' });
  await eventually(async () => (await refusedIds(metrics)) === 3, 5000, 'three calls counted');

  // the channel is listed by the sweep after the next connection: neither warned of nor counted again
  sim.faults.dropWebSockets();
  await eventually(() => sweeps === 2, 10_000, 'the sweep after the reconnection');
  await new Promise((r) => setTimeout(r, 200));
  expect(await refusedIds(metrics)).toBe(3);
});

it('tallies each such call once in the warning: one met at its StasisStart and listed again by a sweep is one call', { timeout: 20_000 }, async () => {
  // the throttle's clock (monotonic) is moved on by hand, rather than waiting its 10 minutes
  vi.useFakeTimers({ toFake: ['performance'] });
  try {
    sim = new AriSimulator();
    await sim.start();
    const lines: Array<{ level: number; msg: string; times?: number }> = [];
    const logger = createLogger('debug', new Writable({ write(c, _e, done) { lines.push(JSON.parse(String(c)) as { level: number; msg: string }); done(); } }));
    const warnings = () => lines.filter((l) => l.level === 40 && l.msg.includes('waits in Stasis'));
    const metrics = createMetrics({ pbx: ['asterisk-ari'], decisions: [], unscreened: [{ adapter: 'asterisk-ari', reason: 'channel-id' }] });
    const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password, app: sim.app } });
    const screening = { handleCall: () => Promise.reject(new Error('no call should be screened')) } as unknown as ScreeningService;
    let sweeps = 0;
    let continued = false;
    sim.on('request', (r: SimRequest) => {
      if (r.method === 'GET' && r.path === '/channels') sweeps++;
      if (r.method === 'POST' && r.path === '/channels/1795889353.60/continue') continued = true;
    });
    adapter = createAriAdapter({ config, logger, screening, counters: metrics }, { orphanSweepDelayMs: 50, orphanRecheckMs: 100 });
    await adapter.start();
    await sim.waitForChut();
    await eventually(() => sweeps === 1, 5000, 'the first sweep');

    // a call an originate named: refused at its StasisStart, said at once
    const parked = { callerNumber: '+33612990302', callerName: 'Custom id', dialled: '0100000000', behaviour: { kind: 'silent' as const }, maxDurationMs: 10_000 };
    void sim.placeCall(parked, { channelId: 'a/b' });
    await eventually(() => warnings().length === 1, 5000, 'the first warning');
    expect(warnings()[0]).toMatchObject({ times: 1 });

    // the sweep after the next connection lists it still parked; an orphan listed with it is sent on after it is looked at
    const dialplan = { context: 'chut-screen', exten: '0100000000', priority: 3, app_name: 'Stasis', app_data: sim.app };
    sim.faults.channelListExtras = [{ id: '1795889353.60', dialplan }];
    sim.faults.dropWebSockets();
    await eventually(() => continued, 10_000, 'the sweep after the reconnection');

    // one more such call within the throttle period, then another once it is over: the line counts the two since the first
    sim.faults.sendRaw(stasisStart('..'));
    await eventually(async () => (await refusedIds(metrics)) === 2, 5000, 'the second call counted');
    vi.advanceTimersByTime(10 * 60_000);
    sim.faults.sendRaw(stasisStart('c/d'));
    await eventually(() => warnings().length === 2, 5000, 'the second warning');
    expect(warnings()[1]).toMatchObject({ times: 2 });
    expect(warnings()[1]?.msg).toContain('StasisStart for channel "c/d"');
    expect(warnings()[1]?.msg).toContain('; 2 such calls since chut started or last warned of it');
    expect(await refusedIds(metrics)).toBe(3);
  } finally {
    vi.useRealTimers();
  }
});

it('counts two calls an originate gave the same id one after the other as two: their creation times differ', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const metrics = createMetrics({ pbx: ['asterisk-ari'], decisions: [], unscreened: [{ adapter: 'asterisk-ari', reason: 'channel-id' }] });
  const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password, app: sim.app } });
  const screening = { handleCall: () => Promise.reject(new Error('no call should be screened')) } as unknown as ScreeningService;
  adapter = createAriAdapter({ config, logger: silentLogger(), screening, counters: metrics }, { orphanSweepDelayMs: 60_000 });
  await adapter.start();
  await sim.waitForChut();
  const at = (creationtime: string) => JSON.stringify({ ...recorded, channel: { ...recorded.channel, id: 'callback-+33612990303', creationtime } });
  sim.faults.sendRaw(at('2026-11-28T18:09:13.766+0000'));
  sim.faults.sendRaw(at('2026-11-28T18:14:02.110+0000'));
  await eventually(async () => (await refusedIds(metrics)) === 2, 5000, 'two calls counted');
});
