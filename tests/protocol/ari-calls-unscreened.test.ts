/**
 * Calls the ARI adapter sends on to the dialplan without screening them ring with no call record, so chut_calls_total
 * misses them. Each is counted on /metrics, chut_pbx_calls_unscreened_total{adapter="asterisk-ari",reason}: `unreadable`,
 * a StasisStart chut cannot read (its channel id still usable), and `orphan`, a channel a previous connection left parked
 * in our app, sent on by the sweep after a connection, once per channel however many sweeps list it. A channel chut
 * cannot send on (its id is no REST path segment) waits unscreened: `channel-id`, also once per channel, whether chut
 * met it at its StasisStart or a sweep found it (ari-unsafe-channel-id.test.ts).
 */
import { afterEach, expect, it } from 'vitest';
import { createAriAdapter, type AriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createMetrics, type Metrics } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually, previousChut, rejectAll } from '../fakes/ari/index.js';


let sim: AriSimulator | null = null;
let adapter: AriAdapter | null = null;
afterEach(async () => {
  await adapter?.stop();
  await sim?.stop();
  adapter = sim = null;
});

/** The /metrics text's count of ARI calls left unscreened for `reason` (null: no such series). */
async function unscreened(metrics: Metrics, reason: string): Promise<number | null> {
  const line = new RegExp(`^chut_pbx_calls_unscreened_total\\{adapter="asterisk-ari",reason="${reason}"\\} (\\d+)$`, 'm').exec(await metrics.render());
  return line ? Number(line[1]) : null;
}

async function start(s: AriSimulator): Promise<{ metrics: Metrics; sweeps: () => number }> {
  const metrics = createMetrics({
    pbx: ['asterisk-ari'], decisions: [],
    unscreened: (['channel-id', 'unreadable', 'orphan'] as const).map((reason) => ({ adapter: 'asterisk-ari', reason })),
  });
  let sweeps = 0;
  s.on('request', (r: SimRequest) => { if (r.method === 'GET' && r.path === '/channels') sweeps++; });
  const config = parseConfig({ ari: { enabled: true, url: s.url, user: s.user, password: s.password, app: s.app } });
  adapter = createAriAdapter({ config, logger: silentLogger(), screening: rejectAll, counters: metrics }, { orphanSweepDelayMs: 50, orphanRecheckMs: 100 });
  await adapter.start();
  await s.waitForChut();
  return { metrics, sweeps: () => sweeps };
}


const silentCall = (callerNumber: string, callerName = 'Caller') =>
  ({ callerNumber, callerName, dialled: '0100000000', behaviour: { kind: 'silent' as const }, maxDurationMs: 15_000 });

it('counts a StasisStart chut cannot read, whose call rings unscreened, as unreadable; a screened call is not counted', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const { metrics } = await start(sim);
  expect(await unscreened(metrics, 'unreadable')).toBe(0);

  // a 600-character caller name: the frame fails validation, its channel id is fine
  expect((await sim.placeCall(silentCall('+33612990401', 'x'.repeat(600)))).route).toBe('ring');
  expect((await sim.placeCall(silentCall('+33612990402'))).route).toBe('reject'); // screened, recorded: not counted
  expect(await unscreened(metrics, 'unreadable')).toBe(1);
  expect(await unscreened(metrics, 'orphan')).toBe(0);
  expect(await unscreened(metrics, 'channel-id')).toBe(0);
});

it('counts each channel a previous connection left parked, sent on by the sweep, as an orphan, once however many sweeps list it', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const previous = await previousChut(sim);
  const orphans = [sim.placeCall(silentCall('+33612990403')), sim.placeCall(silentCall('+33612990404'))];
  await previous.leave();
  // a channel every listing shows parked in our app, gone when chut sends it on (404), as one that hangs up meanwhile
  const dialplan = { context: 'chut-screen', exten: '0100000000', priority: 3, app_name: 'Stasis', app_data: sim.app };
  sim.faults.channelListExtras = [{ id: '1795889353.60', dialplan }];

  let continues = 0;
  sim.on('request', (r: SimRequest) => { if (r.method === 'POST' && r.path === '/channels/1795889353.60/continue') continues++; });
  const { metrics, sweeps } = await start(sim);
  for (const orphan of orphans) expect((await orphan).route).toBe('ring'); // fail-open, unscreened
  await eventually(async () => (await unscreened(metrics, 'orphan')) === 3, 5000, 'three orphans counted');

  // the sweep after the next connection lists the third again and sends it on again: not counted again
  const before = sweeps();
  sim.faults.dropWebSockets();
  await eventually(() => sweeps() > before, 10_000, 'the sweep after the reconnection');
  await eventually(() => continues === 2, 5000, 'the second continue of the listed channel');
  await new Promise((r) => setTimeout(r, 100));
  expect(await unscreened(metrics, 'orphan')).toBe(3);
  expect(await unscreened(metrics, 'unreadable')).toBe(0);
  // a call after all that is screened, not counted
  expect((await sim.placeCall(silentCall('+33612990405'))).route).toBe('reject');
  expect(await unscreened(metrics, 'orphan')).toBe(3);
});

it('counts a channel with an unusable id that a previous run left parked, found by the sweep, as channel-id, once however many sweeps list it', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const previous = await previousChut(sim);
  // an originate named it: chut may not put it in a REST path, so it waits in Stasis until the snippet's timeout
  void sim.placeCall(silentCall('+33612990406'), { channelId: 'a/b' });
  const orphan = sim.placeCall(silentCall('+33612990407'));
  await previous.leave();

  const { metrics, sweeps } = await start(sim);
  expect((await orphan).route).toBe('ring'); // sent on by the same sweep, after it looked at the refused channel
  expect(await unscreened(metrics, 'channel-id')).toBe(1);
  expect(await unscreened(metrics, 'orphan')).toBe(1);

  // the sweep after the next connection lists it again, still parked, and an orphan it sends on after looking at it:
  // not counted again
  let continued = false;
  sim.on('request', (r: SimRequest) => { if (r.method === 'POST' && r.path === '/channels/1795889353.61/continue') continued = true; });
  const dialplan = { context: 'chut-screen', exten: '0100000000', priority: 3, app_name: 'Stasis', app_data: sim.app };
  sim.faults.channelListExtras = [{ id: '1795889353.61', dialplan }];
  const before = sweeps();
  sim.faults.dropWebSockets();
  await eventually(() => sweeps() > before && continued, 10_000, 'the sweep after the reconnection');
  expect(await unscreened(metrics, 'channel-id')).toBe(1);
  expect(await unscreened(metrics, 'orphan')).toBe(2);
});
