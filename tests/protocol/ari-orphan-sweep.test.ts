/**
 * The orphan sweep after each (re)connection continues the channels a previous chut left parked in the app (a
 * restart mid-call), so they ring rather than sit in silence. It must not take a brand-new call for one: a channel
 * shows in Stasis in GET /channels before its StasisStart reaches chut over the WebSocket.
 */
import { afterEach, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { createAriAdapter, type AriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { CallResult, ScreeningService } from '../../src/screening/types.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually } from '../fakes/ari/index.js';

/** A screener whose policy rejects every caller: a call that rings was not screened. */
const rejectAll = {
  async handleCall(_call, control) {
    await control.reject().catch(() => control.ring().catch(() => undefined));
    return {} as CallResult;
  },
} as Pick<ScreeningService, 'handleCall'> as ScreeningService;

let sim: AriSimulator | null = null;
let adapter: AriAdapter | null = null;
afterEach(async () => {
  await adapter?.stop();
  await sim?.stop();
  adapter = sim = null;
});

function chut(s: AriSimulator): AriAdapter {
  const logger = createLogger('silent', new Writable({ write(_c, _e, done) { done(); } }));
  const config = parseConfig({ ari: { enabled: true, url: s.url, user: s.user, password: s.password, app: s.app } });
  return createAriAdapter({ config, logger, screening: rejectAll }, { orphanSweepDelayMs: 50, orphanRecheckMs: 500 });
}

it('a call entering Stasis while the sweep lists the channels is screened, not rung as an orphan; a real orphan still rings', { timeout: 20_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  // a previous chut (a bare WebSocket here) took a call, then went away without sending it on
  const headers = { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}` };
  const previous = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=${sim.app}&subscribeAll=false`, { headers });
  await new Promise((resolve, reject) => { previous.once('open', resolve); previous.once('error', reject); });
  const orphan = sim.placeCall({ callerNumber: '+33612990201', callerName: 'Parked by the last run', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 15_000 });
  previous.close();
  await eventually(() => !sim?.registered(), 2000, 'the previous app to go');

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
