/** Fail-open: whatever goes wrong between FreeSWITCH and chut, the call rings — never dead air. */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createEslAdapter } from '../../src/esl/index.js';
import { silentLogger } from '../../src/logger.js';
import type { CallControl, CallResult, InboundCall, ScreeningService } from '../../src/screening/types.js';
import { FakeFreeSwitch } from '../fakes/esl/index.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';

describe('ESL fail-open: the dialplan around the socket app', () => {
  it('nothing listening: the socket app returns and the call rings', async () => {
    const sim = new FakeFreeSwitch();
    await sim.start();
    const out = await sim.placeCall(call({}));
    expect(out.route).toBe('ring');
    await sim.stop();
  });

  it('the simulator catches the old gap: without chut.xml\'s bound, accept then close without connect leaves dead air', async () => {
    // (with the bound the call rings after it: tests/protocol/esl-hung-bound.test.ts)
    const bad = createServer((s) => s.destroy());
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const port = (bad.address() as { port: number }).port;
    const sim = new FakeFreeSwitch({ chutPort: port, dialplanBound: null });
    await sim.start();
    const out = await sim.placeCall(call({ maxDurationMs: 300 }));
    expect(out.route).toBe('dead-air');
    await sim.stop();
    await new Promise<void>((r) => bad.close(() => r()));
  });
});

describe('ESL fail-open with chut running', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h?.close(); });
  const active = () => (h.chut.adapters[0] as unknown as { activeCalls: number }).activeCalls;

  const faults: Array<[string, (sim: FakeFreeSwitch) => void, string]> = [
    ['the connection is cut right after connect', (s) => s.cutConnectionAfter(1), '1000'],
    ['the connection is cut in the middle of the captcha', (s) => s.cutConnectionAfter(6), '2001'],
    ['the connect reply is truncated', (s) => s.truncateConnectReply(), '1000'],
    ['garbage follows the connect reply', (s) => s.sendGarbage(), '2001'],
    ['myevents is refused', (s) => s.errOnNext(1), '2001'],
    ['replies are slow', (s) => s.slowReplies(300), '1000'],
    ['an instruction sound of the captcha is missing (nobody could hear what to do)', (s) => s.missingFiles('please_enter_the'), '2001'],
  ];
  for (const [what, inject, dialled] of faults) {
    it(`${what}: the call rings, chut keeps no state`, async () => {
      inject(h.sim);
      try {
        const out = await h.sim.placeCall(call({ dialled, behaviour: { kind: 'types-what-it-hears' } }));
        expect(out.route).toBe('ring');
        if (what.includes('sound')) expect(out.heardDigits).toBe(''); // the fault took effect: no captcha ran
        expect(out.commands[0]).toBe('connect');
      } finally {
        h.sim.reset();
      }
      await waitFor(() => active() === 0);
    });
  }

  it('a screener past its deadline: the call rings, recorded as degraded', async () => {
    const slow = await startHarness({ screening: { deadlineMs: 50 } });
    const store = slow.chut.store;
    const lookup = store.lookup.bind(store);
    store.lookup = async (req) => { await new Promise((r) => setTimeout(r, 400)); return lookup(req); };
    try {
      const out = await slow.sim.placeCall(call({ dialled: '2003' }));
      expect(out.route).toBe('ring');
      expect(await recordOf(slow, out.callId)).toMatchObject({ action: 'ring', degraded: true });
    } finally {
      await slow.close();
    }
  });

  it('a caller hanging up while the screener decides: no route is taken, the record says hung-up', async () => {
    const slow = await startHarness({ screening: { deadlineMs: 2000 } });
    const store = slow.chut.store;
    const lookup = store.lookup.bind(store);
    store.lookup = async (req) => { await new Promise((r) => setTimeout(r, 300)); return lookup(req); };
    try {
      const out = await slow.sim.placeCall(call({ dialled: '2003', behaviour: { kind: 'hangs-up', afterMs: 80 } }));
      expect(out.route).toBe('hung-up');
      expect(out.commands).toEqual(['connect', 'myevents', 'linger 5']);
      expect(await recordOf(slow, out.callId)).toMatchObject({ action: 'reject', route: 'hung-up' });
    } finally {
      await slow.close();
    }
  });

  it('1,000 calls leave no live call, socket or timer state behind', async () => {
    const held = (resource: string) => process.getActiveResourcesInfo().filter((r) => r === resource).length;
    const before = { sockets: held('TCPSocketWrap'), timers: held('Timeout') };
    for (let batch = 0; batch < 20; batch++) {
      const outs = await Promise.all(Array.from({ length: 50 }, () => h.sim.placeCall(call({ callerNumber: '+33612345678' }))));
      expect(outs.every((o) => o.route === 'ring')).toBe(true);
    }
    await waitFor(() => active() === 0);
    await waitFor(() => held('TCPSocketWrap') <= before.sockets);
    // Each call's timers (its watchdog, reply and app timeouts) go with it. Checked soon: a leaked watchdog would
    // still be pending (it fires deadlineMs + 500 ms after its call began), and would go unseen once fired.
    await waitFor(() => held('Timeout') <= before.timers, 1000).catch(() => undefined);
    expect(held('Timeout')).toBeLessThanOrEqual(before.timers);
  }, 120_000);
});

/** A screener that never answers: only the adapter's own watchdog can save the call. */
function stuckScreener(): ScreeningService & { calls: InboundCall[] } {
  const calls: InboundCall[] = [];
  const never = new Promise<never>(() => undefined);
  return {
    calls,
    handleCall: (c: InboundCall, _control: CallControl): Promise<CallResult> => { calls.push(c); return never; },
    enrichCall: async () => undefined,
    reportLastCaller: async () => null,
  } as unknown as ScreeningService & { calls: InboundCall[] };
}

describe('ESL adapter limits', () => {
  it('a stuck screener: the watchdog lets the call ring shortly after the deadline', async () => {
    const sim = new FakeFreeSwitch();
    await sim.start();
    const screening = stuckScreener();
    const config = parseConfig({ ...sim.chutConfig(), esl: { enabled: true, listenPort: sim.listenPort } });
    const adapter = createEslAdapter({ config, screening, logger: silentLogger() });
    await adapter.start();
    const out = await sim.placeCall(call({}));
    expect(out.route).toBe('ring');
    expect(screening.calls).toHaveLength(1);
    // the watchdog's own time (deadline + 500 ms) and a margin for a loaded machine: far below the dial plan's bound
    expect(out.durationMs).toBeLessThan(config.screening.deadlineMs + 500 + 1500);
    await adapter.stop();
    await sim.stop();
  });

  it('over the concurrency limit and while stopping: connect is still sent first, then the call rings', async () => {
    const sim = new FakeFreeSwitch();
    await sim.start();
    const config = parseConfig({ esl: { enabled: true, listenPort: sim.listenPort }, screening: { deadlineMs: 5000 } });
    const adapter = createEslAdapter({ config, screening: stuckScreener(), logger: silentLogger() }, { maxConcurrent: 1 });
    await adapter.start();
    const first = sim.placeCall(call({}));
    await waitFor(() => adapter.activeCalls === 1);
    const second = await sim.placeCall(call({}));
    expect(second.commands).toEqual(['connect']);
    expect(second.route).toBe('ring');
    await adapter.stop();
    const out = await first;
    expect(out.commands[0]).toBe('connect');
    expect(out.route).toBe('ring');
    expect((await sim.placeCall(call({}))).route).toBe('ring');
    await sim.stop();
  });
});

async function waitFor(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}
