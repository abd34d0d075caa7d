/** Fail-open and reconnection: every fault the fake Asterisk can inject ends with the call ringing. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createAriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ScreeningService } from '../../src/screening/types.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { AriSimulator, eventually, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

let h: AriHarness;
let n = 0;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'] = { kind: 'silent' }): SimulatedCall =>
  ({ callerNumber: `+3361299${String(++n).padStart(4, '0')}`, callerName, dialled: '0100000000', behaviour });

beforeAll(async () => { h = await startAriHarness({ label: 'ari-faults' }); });
afterAll(async () => { await h.stop(); });
afterEach(async () => {
  h.sim.faults.delayMs = 0;
  await h.sim.waitForChut(25_000);
  await eventually(() => h.adapter.liveCalls() === 0, 5000, 'no live calls left');
});

describe('reconnection', () => {
  it('re-registers the app after the WebSocket drops, and screens calls again', async () => {
    const statuses: string[] = [];
    const watch = setInterval(() => statuses.push(h.adapter.status().state), 5);
    h.sim.faults.dropWebSockets();
    await eventually(() => !h.sim.registered(), 2000, 'the app to be unregistered');
    await h.sim.waitForChut(10_000);
    await eventually(() => h.adapter.status().state === 'ready', 5000, 'the adapter to be ready');
    clearInterval(watch);
    expect(statuses).toContain('reconnecting');
    expect(h.logs.some((l) => l.includes('ARI: events connection lost, reconnecting'))).toBe(true);
    const out = await h.sim.placeCall(call('VOICEMAIL after reconnect'));
    expect(out.route).toBe('voicemail');
  });

  it('while chut is disconnected, Stasis() returns at once and the call rings (fail-open)', async () => {
    h.sim.faults.refuseUpgrades = true;
    h.sim.faults.dropWebSockets();
    await eventually(() => !h.sim.registered(), 2000, 'the app to be unregistered');
    const out = await h.sim.placeCall(call('REJECT while away'));
    expect(out).toMatchObject({ route: 'ring', answered: false });
    h.sim.faults.refuseUpgrades = false;
  });

  it('an Asterisk restart: chut comes back by itself and routes the next call', async () => {
    await h.sim.faults.restart(300);
    await h.sim.waitForChut(10_000);
    const out = await h.sim.placeCall(call('REJECT after restart'));
    expect(out.route).toBe('reject');
  });

  it('a WebSocket dropped in the middle of a captcha still ends in a route, never dead air', async () => {
    const pending = h.sim.placeCall({ ...call('CAPTCHA mid-drop', { kind: 'types-what-it-hears', delayMs: 50 }), maxDurationMs: 10_000 });
    await eventually(() => h.adapter.liveCalls() === 1, 2000, 'the call to be in chut');
    await new Promise((r) => setTimeout(r, 30));
    h.sim.faults.dropWebSockets();
    const out = await pending;
    // REST still works without the event stream: chut cannot follow the captcha any more, so the call rings
    expect(out.route).toBe('ring');
  });
});

describe('fail-open on REST and frame faults', () => {
  it('a 500 on the first continue is retried: the call still takes its own route (a rejected robot is not rung through)', async () => {
    const continues: string[] = [];
    const onRequest = (r: SimRequest) => { if (r.method === 'POST' && r.path.endsWith('/continue')) continues.push(r.channelId ?? ''); };
    h.sim.on('request', onRequest);
    try {
      h.sim.faults.failNext(1, '/continue');
      const out = await h.sim.placeCall(call('REJECT 500', { kind: 'silent' }));
      expect(out.route).toBe('reject');
      expect(continues).toHaveLength(2);
    } finally {
      h.sim.off('request', onRequest);
    }
  });

  it('a 500 when answering for the captcha rings the call instead', async () => {
    h.sim.faults.failNext(1, '/answer');
    const out = await h.sim.placeCall(call('CAPTCHA answer fails'));
    expect(out.route).toBe('ring');
  });

  it('a 500 on the prompt playback rings the call instead', async () => {
    h.sim.faults.failNext(1, '/play');
    const out = await h.sim.placeCall(call('CAPTCHA play fails'));
    expect(out.route).toBe('ring');
  });

  it('a 500 when setting the route variables still leaves Stasis, towards ring (never a dead end)', async () => {
    h.sim.faults.failNext(2, /^POST .*\/variable$/);
    const out = await h.sim.placeCall(call('REJECT variable fails'));
    expect(out.route).toBe('ring');
  });

  it('a 500 on the STIR/SHAKEN lookup does not stop the route', async () => {
    h.sim.faults.failNext(1, /^GET .*\/variable$/);
    const out = await h.sim.placeCall(call('VOICEMAIL no stir'));
    expect(out.route).toBe('voicemail');
  });

  it('slow REST replies (300 ms each) still end in the right route', async () => {
    h.sim.faults.delayMs = 300;
    const out = await h.sim.placeCall(call('VOICEMAIL slow'));
    expect(out.route).toBe('voicemail');
  });

  it('REST slower than the request timeout: chut keeps retrying the continue and the call rings', async () => {
    h.sim.faults.delayMs = 2500; // above ari.requestTimeoutMs (2000)
    const pending = h.sim.placeCall({ ...call('Slow Asterisk'), maxDurationMs: 20_000 });
    await new Promise((r) => setTimeout(r, 3000));
    h.sim.faults.delayMs = 0;
    const out = await pending;
    expect(out.route).toBe('ring');
  });

  it('a captcha prompt that cannot be played (missing sound file) rings the call instead of failing the caller', async () => {
    h.sim.faults.missingSounds.add('please-enter-the');
    try {
      const out = await h.sim.placeCall(call('CAPTCHA no sounds', { kind: 'silent' }));
      expect(out.route).toBe('ring');
      const record = async () => (await h.chut.store.calls({ limit: 20 })).calls.find((c) => c.callerName === 'CAPTCHA no sounds');
      await eventually(async () => (await record()) !== undefined, 3000, 'the call record');
      expect(await record()).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    } finally {
      h.sim.faults.missingSounds.clear();
    }
  });

  it('digit sounds missing (in the captcha language and the default one): the caller would hear no digits, so the call rings', async () => {
    for (let d = 0; d <= 9; d++) h.sim.faults.missingSounds.add(`digits/${d}`);
    try {
      const out = await h.sim.placeCall(call('CAPTCHA no digit sounds', { kind: 'types-what-it-hears' }));
      expect(out).toMatchObject({ route: 'ring', heardDigits: '' });
      const record = async () => (await h.chut.store.calls({ limit: 20 })).calls.find((c) => c.callerName === 'CAPTCHA no digit sounds');
      await eventually(async () => (await record()) !== undefined, 3000, 'the call record');
      expect(await record()).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    } finally {
      h.sim.faults.missingSounds.clear();
    }
  });

  it('one digit sound missing: chut learns it from GET /sounds at connection, and only a challenge holding that digit rings', { timeout: 90_000 }, async () => {
    h.sim.faults.missingSounds.add('digits/7');
    try {
      h.sim.faults.dropWebSockets(); // the check runs once per connection
      await eventually(() => !h.sim.registered(), 2000, 'the app to be unregistered');
      await h.sim.waitForChut(30_000); // the reconnect backoff, raised by the earlier tests' drops
      await eventually(() => h.logs.some((l) => l.includes('Asterisk lacks digit sounds') && l.includes('digits/7')), 5000, 'the error line');
      const seen = { rang: 0, passed: 0 };
      for (let i = 0; i < 40 && (seen.rang === 0 || seen.passed === 0); i++) {
        const out = await h.sim.placeCall(call(`CAPTCHA digit seven ${i}`, { kind: 'types-what-it-hears' }));
        if (out.route === 'ring' && out.heardDigits === '') {
          seen.rang++; // a challenge with a 7: never half spoken, never judged
        } else {
          expect(out).toMatchObject({ route: 'ring', answered: true });
          expect(out.heardDigits).toMatch(/^[0-689]{4}$/);
          seen.passed++;
        }
      }
      expect(seen.rang).toBeGreaterThan(0);
      expect(seen.passed).toBeGreaterThan(0);
      const records = (await h.chut.store.calls({ limit: 100 })).calls.filter((c) => c.callerName.startsWith('CAPTCHA digit seven'));
      expect(records.filter((c) => c.captcha === 'failed')).toEqual([]);
    } finally {
      h.sim.faults.missingSounds.clear();
    }
  });

  it('a StasisStart chut cannot read (a 600-character caller name) still leaves Stasis towards ring', async () => {
    const out = await h.sim.placeCall({ ...call('x'.repeat(600)), maxDurationMs: 5000 });
    expect(out.route).toBe('ring');
    expect(h.logs.some((l) => l.includes('unreadable StasisStart'))).toBe(true);
  });

  it('malformed and hostile frames are dropped without affecting the next call', async () => {
    for (const raw of ['{not json', '[]', '{"type":"StasisStart"}', '{"type":"StasisStart","args":[],"channel":{"id":"../x"}}', 'x'.repeat(300_000)]) {
      h.sim.faults.sendRaw(raw);
    }
    const out = await h.sim.placeCall(call('REJECT after garbage'));
    expect(out.route).toBe('reject');
    expect(h.adapter.status().state).toBe('ready');
    expect(h.logs.some((l) => l.includes('malformed frame dropped'))).toBe(true);
  });

  // chut reconnects with its backoff, which the earlier tests' drops have already raised: seconds, not milliseconds
  it('a frame of several megabytes is not buffered: the connection is dropped, chut reconnects and screens again', { timeout: 60_000 }, async () => {
    const connections = () => h.logs.filter((l) => l.includes('ARI: connected')).length;
    const before = connections();
    h.sim.faults.sendRaw('x'.repeat(3 * 1024 * 1024));
    await eventually(() => h.logs.some((l) => l.includes('events connection lost')), 5000, 'the oversized frame to end the connection');
    await eventually(() => connections() > before, 30_000, 'chut to connect again');
    await h.sim.waitForChut(30_000);
    await eventually(() => h.adapter.status().state === 'ready', 5000, 'the adapter to be ready again');
    expect((await h.sim.placeCall(call('REJECT after a huge frame'))).route).toBe('reject');
  });
});

describe('an Asterisk whose sound index lists no digit sound (sounds outside a language folder)', () => {
  // its own chut: a reconnect right after the other tests' drops would wait out their backoff
  let own: AriHarness;
  beforeAll(async () => { own = await startAriHarness({ label: 'ari-snd' }); });
  afterAll(async () => { await own?.stop(); });

  it('is not trusted: captchas still run (Playback finds the sounds)', async () => {
    own.sim.faults.soundIndexBlind = true;
    own.sim.faults.dropWebSockets(); // the check runs once per connection
    await eventually(() => !own.sim.registered(), 2000, 'the app to be unregistered');
    await own.sim.waitForChut(10_000);
    await eventually(() => own.logs.some((l) => l.includes('sound index lists none of the digit sounds')), 5000, 'the warning');
    const out = await own.sim.placeCall(call('CAPTCHA flat sounds', { kind: 'types-what-it-hears' }));
    expect(out).toMatchObject({ route: 'ring', answered: true });
    expect(out.heardDigits).toMatch(/^\d{4}$/);
  });
});

describe('secrets', () => {
  it('a wrong ARI password: the adapter keeps retrying, says 401 in its status, and logs neither password', async () => {
    const sim = new AriSimulator();
    await sim.start();
    const lines: string[] = [];
    const logger = createLogger('debug', new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } }));
    const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: 'Wrong-Pass-123' } });
    const adapter = createAriAdapter({ config, logger, screening: {} as ScreeningService }, { retryStrategy: () => 20 });
    await adapter.start();
    // never connected: said as a setup problem, not as a lost connection
    await eventually(() => lines.filter((l) => l.includes('cannot reach Asterisk yet')).length >= 2, 5000, 'two reconnect attempts');
    expect(lines.some((l) => l.includes('connection lost'))).toBe(false);
    const status = adapter.status();
    await adapter.stop();
    await sim.stop();
    expect(status.state === 'reconnecting' ? status.lastError : '').toContain('401');
    expect(sim.registered()).toBe(false);
    for (const line of lines) {
      expect(line).not.toContain('Wrong-Pass-123');
      expect(line).not.toContain(Buffer.from(`${sim.user}:Wrong-Pass-123`).toString('base64'));
    }
  });

  it('the ARI password never appears in chut logs, even at debug level', () => {
    expect(h.logs.length).toBeGreaterThan(10);
    const basic = Buffer.from(`${h.sim.user}:${h.sim.password}`).toString('base64');
    for (const line of h.logs) {
      expect(line).not.toContain(h.sim.password);
      expect(line).not.toContain(basic);
    }
  });
});
