/**
 * The orphan sweep after each (re)connection continues the channels a previous chut left parked in the app (a
 * restart mid-call), so they ring rather than sit in silence. It must not take a brand-new call for one: a channel
 * shows in Stasis in GET /channels before its StasisStart reaches chut over the WebSocket. A parked channel whose id
 * chut cannot put in a REST path cannot be sent on: the sweep warns of it as a StasisStart would (refused-channel.ts).
 */
import { afterEach, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createAriAdapter, type AriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually, previousChut, rejectAll } from '../fakes/ari/index.js';


let sim: AriSimulator | null = null;
let adapter: AriAdapter | null = null;
afterEach(async () => {
  await adapter?.stop();
  await sim?.stop();
  adapter = sim = null;
});

/** `warnings`, when given, receives the message of each warning chut logs. */
function chut(s: AriSimulator, warnings?: string[]): AriAdapter {
  const sink = new Writable({
    write(c, _e, done) {
      const line = JSON.parse(String(c)) as { level: number; msg: string };
      if (line.level === 40) warnings?.push(line.msg);
      done();
    },
  });
  const config = parseConfig({ ari: { enabled: true, url: s.url, user: s.user, password: s.password, app: s.app } });
  return createAriAdapter({ config, logger: createLogger('debug', sink), screening: rejectAll }, { orphanSweepDelayMs: 50, orphanRecheckMs: 500 });
}


const REFUSED = 'an id chut cannot use in a REST path';
const parkedCall = (callerNumber: string) =>
  ({ callerNumber, callerName: 'Parked by the last run', dialled: '0100000000', behaviour: { kind: 'silent' as const }, maxDurationMs: 15_000 });

it('a call entering Stasis while the sweep lists the channels is screened, not rung as an orphan; a real orphan still rings', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  // a previous chut took a call, then went away without sending it on
  const previous = await previousChut(sim);
  const orphan = sim.placeCall(parkedCall('+33612990201'));
  await previous.leave();

  // Asterisk is loaded: StasisStart frames trail the channels' entry into Stasis by 150 ms. A call arrives just as the
  // sweep asks for the channel list.
  sim.faults.stasisStartDelayMs = 150;
  let fresh: ReturnType<AriSimulator['placeCall']> | null = null;
  const onRequest = (r: SimRequest) => {
    if (r.method !== 'GET' || r.path !== '/channels' || fresh || !sim) return;
    fresh = sim.placeCall({ callerNumber: '+33612990202', callerName: 'New call', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 15_000 });
  };
  sim.on('request', onRequest);
  adapter = chut(sim);
  await adapter.start();
  await eventually(() => fresh !== null, 5000, 'the sweep');
  sim.off('request', onRequest);
  expect((await orphan).route).toBe('ring'); // fail-open: not left parked
  expect((await (fresh as unknown as ReturnType<AriSimulator['placeCall']>)).route).toBe('reject'); // screened by its own session
});

it('a channel left parked with an id chut cannot use is warned of once by the sweep, and the other orphans still ring', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const previous = await previousChut(sim);
  const orphan = sim.placeCall(parkedCall('+33612990203'));
  // made by an originate with its own channelId: chut may not put it in a REST path
  void sim.placeCall(parkedCall('+33612990204'), { channelId: '../../asterisk/info\u200b' });
  void sim.placeCall(parkedCall('+33612990205'), { channelId: 'a/b' });
  await previous.leave();

  const warnings: string[] = [];
  adapter = chut(sim, warnings);
  await adapter.start();
  expect((await orphan).route).toBe('ring'); // sent on by the sweep, after its re-check
  const refused = warnings.filter((w) => w.includes(REFUSED));
  expect(refused).toHaveLength(1); // one line for the two, throttled as the StasisStart warning is
  // the first listed, said at once, shown as a person can read it
  expect(refused[0]).toContain('channel "../../asterisk/info\\u200b" found parked in our app by the sweep');
  expect(refused[0]).toContain('waits in Stasis');
});

it('an element of GET /channels of another shape is skipped: the orphans listed with it still ring, and nothing is rejected unhandled', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const previous = await previousChut(sim);
  const orphan = sim.placeCall(parkedCall('+33612990206'));
  await previous.leave();
  // listed after the real channels, as a proxy or another Asterisk version might answer: each used to stop the sweep
  const dialplan = { context: 'chut-screen', exten: '0100000000', priority: 3 };
  sim.faults.channelListExtras = [
    { id: '1795889353.50', dialplan: { ...dialplan, app_name: 'Stasis', app_data: 42 } },
    { id: '1795889353.51', dialplan: { ...dialplan, app_name: 'Stasis', app_data: { app: sim.app } } },
    { id: '1795889353.52', dialplan: null },
    { id: '1795889353.53' },
    'not a channel', 7, null, [],
  ];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const warnings: string[] = [];
    adapter = chut(sim, warnings);
    await adapter.start();
    expect((await orphan).route).toBe('ring'); // sent on by the sweep, as if the odd elements were not there
    expect(warnings.filter((w) => w.includes('orphan sweep'))).toEqual([]);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
