/**
 * The release list against the fake Asterisk: a channel whose every `continue` failed is not forgotten. It is
 * retried until Asterisk lets it go, with the events WebSocket up (no reconnect, so no orphan sweep), and
 * stop() sends it on too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createAriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { CallResult, ScreeningService } from '../../src/screening/types.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

let h: AriHarness;
beforeAll(async () => { h = await startAriHarness({ label: 'ari-release' }); });
afterAll(async () => { await h.stop(); });

/** Every `continue` the fake received, per channel. */
function countContinues(sim: AriSimulator): (id?: string) => number {
  const seen: SimRequest[] = [];
  sim.on('request', (r: SimRequest) => { if (r.method === 'POST' && r.path.endsWith('/continue')) seen.push(r); });
  return (id) => seen.filter((r) => id === undefined || r.channelId === id).length;
}

describe('a channel whose continue keeps failing', () => {
  it('goes to the release list and rings once Asterisk accepts the continue again, with the WebSocket up all along', async () => {
    const continues = countContinues(h.sim);
    // 12 tries by the call itself (ring route, the screener's fail-open ring, the final fail-open leave: 4 each),
    // then the first two tries of the release list
    h.sim.faults.failNext(14, '/continue');
    const started = Date.now();
    const out = await h.sim.placeCall({ callerNumber: '+33612990001', callerName: 'Alice Release', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 20_000 });
    expect(out.route).toBe('ring');
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(continues(out.callId)).toBe(15);
    expect(h.adapter.status().state).toBe('ready'); // no reconnect happened: the sweep had no part in it
    expect(h.logs.some((l) => l.includes('the release list takes the channel over'))).toBe(true);
    await eventually(() => h.adapter.releasing() === 0 && h.adapter.liveCalls() === 0, 2000, 'the release list to be empty');
  });
});

describe('stop()', () => {
  it('sends on the channels of the release list too, not only the calls still in a session', async () => {
    const sim = new AriSimulator({ timing: { lingerMs: 20 } });
    await sim.start();
    const continues = countContinues(sim);
    const lines: string[] = [];
    const logger = createLogger('debug', new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } }));
    const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password } });
    // a screener that rings (which fails here) and nothing else
    const screening = {
      async handleCall(_call, control) {
        await control.ring().catch(() => undefined);
        return {} as CallResult;
      },
    } as Pick<ScreeningService, 'handleCall'> as ScreeningService;
    // the release list's own retries come too late for this test: only stop() can send the channel on in time
    const adapter = createAriAdapter({ config, logger, screening }, { releaseRetryStrategy: () => 60_000 });
    try {
      await adapter.start();
      await sim.waitForChut();
      // 4 tries for the ring, 4 for the final fail-open leave, 1 for the release list's first try
      sim.faults.failNext(9, '/continue');
      const pending = sim.placeCall({ callerNumber: '+33612990002', callerName: 'Bob Stop', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 20_000 });
      await eventually(() => adapter.releasing() === 1 && continues() === 9, 10_000, 'the channel to be on the release list');
      expect(adapter.liveCalls()).toBe(0);
      await adapter.stop();
      expect(await pending).toMatchObject({ route: 'ring', answered: false });
      expect(continues()).toBe(10);
    } finally {
      await adapter.stop();
      await sim.stop();
    }
  });

  it('sets CHUT_ROUTE back to ring for a live call whose voicemail leave failed (else the dialplan sends it to voicemail)', async () => {
    const sim = new AriSimulator({ timing: { lingerMs: 20 } });
    await sim.start();
    const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password } });
    let leaveFailed = false;
    // a screener whose voicemail leave fails, and which then never returns: the call stays live in chut
    const screening = {
      async handleCall(_call, control) {
        await control.toVoicemail('100').catch(() => { leaveFailed = true; });
        return new Promise<CallResult>(() => undefined);
      },
    } as Pick<ScreeningService, 'handleCall'> as ScreeningService;
    const adapter = createAriAdapter({ config, logger: createLogger('silent'), screening }, { releaseRetryStrategy: () => 60_000 });
    try {
      await adapter.start();
      await sim.waitForChut();
      sim.faults.failNext(4, '/continue'); // the voicemail leave's four tries
      const pending = sim.placeCall({ callerNumber: '+33612990003', callerName: 'Vic Stop', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 20_000 });
      await eventually(() => leaveFailed && adapter.liveCalls() === 1, 10_000, 'the voicemail leave to fail');
      await adapter.stop();
      expect(await pending).toMatchObject({ route: 'ring', answered: false });
    } finally {
      await adapter.stop();
      await sim.stop();
    }
  });
});
