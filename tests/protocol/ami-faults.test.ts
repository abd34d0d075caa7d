/** The AMI adapter under hostile callers and a misbehaving Asterisk: injection, slowness, drops, restarts, floods. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/reputation/types.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { createAmiFake, eventually, header, startAmiHarness, type AmiHarness, recordOf as recordOfCall } from '../fakes/ami/index.js';

let h: AmiHarness;
let n = 0;
const caller = () => `+3361288${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'] = { kind: 'silent' }, callerNumber = caller()): SimulatedCall =>
  ({ callerNumber, callerName, dialled: '0100000000', behaviour });

const recordOf = (callId: string): Promise<CallRecord> => recordOfCall(h, callId);

const ALLOWED_ACTIONS = new Set(['login', 'events', 'setvar', 'ping', 'logoff']);

beforeAll(async () => { h = await startAmiHarness({ label: 'ami-faults' }); });
afterAll(async () => { await h.stop(); });

describe('hostile callers', () => {
  it('a caller name or number carrying CR/LF + a forged action never produces an extra action', async () => {
    const evilName = 'REJECT Evil\r\n\r\nAction: Originate\r\nChannel: Local/666@evil\r\nActionID: pwned\r\n\r\n';
    const evilNumber = '+33612880000\r\n\r\nAction: Originate\r\nChannel: Local/667@evil';
    const before = h.sim.actions().length;
    const out = await h.sim.placeCall(call(evilName, { kind: 'silent' }, evilNumber));
    expect(out.route).not.toBe('dead-air');
    const sent = h.sim.actions().slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const p of sent) {
      expect(ALLOWED_ACTIONS.has((header(p, 'Action') ?? '').toLowerCase())).toBe(true);
      for (const [name, value] of p) {
        expect(`${name}: ${value}`).not.toMatch(/Originate|evil|pwned/);
      }
    }
    const rec = await recordOf(out.callId);
    expect(rec.callerName).not.toMatch(/[\r\n]/);
    expect(h.sim.server.globals.size).toBe(0);
  });

  it('a caller name with commas, parentheses, quotes and pipes cannot split the UserEvent: it arrives whole', async () => {
    const out = await h.sim.placeCall(call('Martin (x, ChutCallId: 1.1|x, "Jean\\', { kind: 'silent' }));
    expect(out.route).toBe('ring');
    expect(await recordOf(out.callId)).toMatchObject({ callerName: 'Martin (x, ChutCallId: 1.1|x, "Jean\\' });
  });
});

describe('fail-open', () => {
  it('a Setvar Asterisk answers only long after the dialplan stopped waiting: the call rings, recorded as rung', async () => {
    // chut's own 2 s action timeout gives up on the Setvar first (fail-open). Well past the dialplan's wait: the fake waits 20 ticks of 100 ms, and with the CPU loaded each tick ran late
    // enough that a Setvar delayed 2.6 s still landed inside the wait (route reject).
    h.sim.delayActions(6000);
    try {
      const out = await h.sim.placeCall(call('REJECT slowly'));
      expect(out.route).toBe('ring');
      expect(await recordOf(out.callId)).toMatchObject({ action: 'reject', route: 'ring' });
    } finally {
      h.sim.delayActions(0);
    }
  });

  it('with no chut connected at all, the dialplan waits 2 s and rings', async () => {
    const lonely = createAmiFake({ decisionWaitMs: 2000 });
    await lonely.start();
    try {
      const out = await lonely.placeCall(call('REJECT nobody listening'));
      expect(out.route).toBe('ring');
      expect(out.durationMs).toBeGreaterThanOrEqual(1900);
    } finally {
      await lonely.stop();
    }
  });
});

describe('connection lifecycle', () => {
  it('reconnects after the connection drops, and screens again', async () => {
    const logins = h.sim.server.loginCount;
    h.sim.dropConnections();
    await eventually(() => h.adapter.status().state !== 'ready', 3000, 'the drop to be noticed');
    await eventually(() => h.adapter.status().state === 'ready' && h.sim.server.loginCount > logins, 10_000, 'a new login');
    const out = await h.sim.placeCall(call('REJECT after drop'));
    expect(out.route).toBe('reject');
  });

  it('reconnects after an Asterisk restart and subscribes to events again', async () => {
    const logins = h.sim.server.loginCount;
    await h.sim.restart(400);
    await eventually(() => h.adapter.status().state === 'ready' && h.sim.server.loginCount > logins, 10_000, 'a login after restart');
    const out = await h.sim.placeCall(call('VOICEMAIL after restart'));
    expect(out.route).toBe('voicemail');
  });

  it('a FullyBooted on a live connection (reload) re-subscribes to events', async () => {
    const count = () => h.sim.actionNames().filter((a) => a === 'events').length;
    const before = count();
    h.sim.fullyBooted();
    await eventually(() => count() > before, 3000, 'an Events action');
    const last = h.sim.actions().filter((p) => (header(p, 'Action') ?? '').toLowerCase() === 'events').pop();
    expect(last && header(last, 'EventMask')).toBe('on');
  });

  it('a refused login is reported in the status and the log, without the password, and recovers', async () => {
    h.sim.rejectLogins(true);
    h.sim.dropConnections();
    await eventually(() => {
      const s = h.adapter.status();
      return s.state === 'reconnecting' && /login failed/.test(s.lastError);
    }, 8000, 'a login-failed status');
    expect(h.logs.join('')).toMatch(/login rejected/);
    h.sim.rejectLogins(false);
    await eventually(() => h.adapter.status().state === 'ready', 20_000, 'recovery');
    const password = (h.chut.config.ami.password);
    expect(h.logs.join('')).not.toContain(password);
  });

  it('survives malformed packets and keeps screening', async () => {
    h.sim.sendMalformed();
    const out = await h.sim.placeCall(call('REJECT after junk'));
    expect(out.route).toBe('reject');
    expect(h.adapter.status().state).toBe('ready');
  });
});

describe('event flood', () => {
  // 60 s: two waits below are bounded at 15 s each on top of the three calls
  it('10,000 unrelated events a second: calls still route and memory stays bounded', { timeout: 60_000 }, async () => {
    const packets = h.adapter.stats().packets;
    h.sim.startFlood(10_000);
    try {
      const outs = await Promise.all([
        h.sim.placeCall(call('REJECT in flood')),
        h.sim.placeCall(call('VOICEMAIL in flood')),
        h.sim.placeCall(call('Carol in flood')),
      ]);
      expect(outs.map((o) => o.route)).toEqual(['reject', 'voicemail', 'ring']);
      // Wait for chut to have read 5,000 flood events rather than sleeping a fixed 500 ms: on a loaded machine chut
      // reads the flood later than the fake writes it, and the bounds below only mean something once it has.
      await eventually(() => h.adapter.stats().packets - packets > 5_000, 15_000, '5,000 flood events read');
      const during = h.adapter.stats();
      expect(during.monitored).toBeLessThanOrEqual(3);
      expect(during.screening).toBeLessThanOrEqual(3);
    } finally {
      h.sim.stopFlood();
    }
    // idle() settles the work chut has started, not the Hangups still unread behind the flood in its socket: with the
    // CPU loaded the stats were read with two of the three Hangups not yet read (monitored: 2). Wait for them.
    await eventually(() => {
      const s = h.adapter.stats();
      return s.screening === 0 && s.monitored === 0 && s.pendingActions === 0;
    }, 15_000, 'every flood call forgotten');
    await h.adapter.idle();
    expect(h.adapter.stats()).toMatchObject({ screening: 0, monitored: 0, pendingActions: 0 });
  });
});
