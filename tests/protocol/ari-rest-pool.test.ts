/**
 * The REST client's connection pool against the fake Asterisk, counted on the wire: a burst never opens more
 * connections than the bound (Asterisk's http.conf `sessionlimit` refuses the excess), the requests beyond it
 * queue and all complete, and a queued request still ends at its own deadline.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AriTransportError, createAriRest, DEFAULT_MAX_SOCKETS, IDLE_SOCKET_MS, type AriRest } from '../../src/ari/rest.js';
import { parseConfig } from '../../src/config.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually, meterConnections, startAriHarness, type ConnectionMeter } from '../fakes/ari/index.js';

let sim: AriSimulator;
let meter: ConnectionMeter | null = null;
let rest: AriRest | null = null;

beforeAll(async () => {
  sim = new AriSimulator();
  await sim.start();
});
afterAll(async () => { await sim.stop(); });
afterEach(async () => {
  rest?.close();
  rest = null;
  sim.faults.delayMs = 0;
  await meter?.stop();
  meter = null;
});

async function restThroughMeter(options: { timeoutMs: number; maxSockets?: number; idleSocketMs?: number }): Promise<{ client: AriRest; meter: ConnectionMeter }> {
  meter = await meterConnections(sim.url);
  rest = createAriRest({ url: meter.url, user: sim.user, password: sim.password, ...options });
  return { client: rest, meter };
}

describe('the REST connection pool', () => {
  it(`never opens more than ${DEFAULT_MAX_SOCKETS} connections by default, however many requests are in flight; the rest queue and complete`, async () => {
    const { client, meter } = await restThroughMeter({ timeoutMs: 10_000 });
    sim.faults.delayMs = 30; // every request holds its connection for a while, so the burst really overlaps
    const burst = 3 * DEFAULT_MAX_SOCKETS + 4;
    const replies = await Promise.all(Array.from({ length: burst }, () => client.request<{ system?: unknown }>('GET', '/asterisk/info')));
    expect(replies.filter((r) => r?.system !== undefined)).toHaveLength(burst);
    expect(meter.peak).toBe(DEFAULT_MAX_SOCKETS);
    expect(meter.total).toBe(DEFAULT_MAX_SOCKETS); // keep-alive: the queue reuses the pool's connections
  });

  it('closes an idle connection itself before Asterisk would (15 s), and opens a fresh one for the next call', async () => {
    expect(IDLE_SOCKET_MS).toBeLessThan(15_000);
    const { client, meter } = await restThroughMeter({ timeoutMs: 2000, idleSocketMs: 100 });
    await client.request('GET', '/asterisk/info');
    expect(meter.open).toBe(1);
    await eventually(() => meter.open === 0, 2000, 'the idle connection to be closed');
    await client.request('GET', '/asterisk/info');
    expect(meter.total).toBe(2);
  });

  it('keeps a busy connection open across requests closer together than the idle limit', async () => {
    const { client, meter } = await restThroughMeter({ timeoutMs: 2000, idleSocketMs: 1000 });
    for (let i = 0; i < 5; i++) {
      await client.request('GET', '/asterisk/info');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(meter.total).toBe(1);
  });

  it('ends a request queued for a connection at its own deadline, and never sends it afterwards', async () => {
    const { client } = await restThroughMeter({ timeoutMs: 2000, maxSockets: 1 });
    const seen: SimRequest[] = [];
    const onRequest = (r: SimRequest): void => { seen.push(r); };
    sim.on('request', onRequest);
    sim.faults.delayMs = 800; // the one connection stays busy for 800 ms
    try {
      const slow = client.request('GET', '/asterisk/info');
      const started = Date.now();
      const queued = client.request('GET', '/applications', undefined, 100).catch((err: unknown) => err);
      const err = await queued;
      const waited = Date.now() - started;
      expect(err).toBeInstanceOf(AriTransportError);
      expect((err as AriTransportError).detail).toBe('timed out after 100 ms');
      expect(waited).toBeLessThan(400);
      await slow;
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.map((r) => r.path)).toEqual(['/asterisk/info']);
    } finally {
      sim.off('request', onRequest);
    }
  });
});

describe('ari.maxConnections', () => {
  it('defaults to the client\'s bound and refuses values that are not a positive whole number', () => {
    expect(parseConfig({}).ari.maxConnections).toBe(DEFAULT_MAX_SOCKETS);
    for (const bad of [0, -1, 2.5, '8', 5000]) expect(() => parseConfig({ ari: { maxConnections: bad } }), String(bad)).toThrow(/maxConnections/);
  });

  it('bounds chut\'s own connections to Asterisk during a burst of calls, and every call still rings', async () => {
    const bound = 3;
    const h = await startAriHarness({ label: 'ari-pool', meterConnections: true, ari: { maxConnections: bound }, sim: { timing: { lingerMs: 5 } } });
    const meter = h.meter as ConnectionMeter;
    try {
      const calls = Array.from({ length: 40 }, (_, i) => h.sim.placeCall({
        callerNumber: `+3361400${String(i).padStart(4, '0')}`, callerName: `Caller ${i}`, dialled: '0100000000', behaviour: { kind: 'silent' },
      }));
      const outcomes = await Promise.all(calls);
      expect(outcomes.map((o) => o.route)).toEqual(outcomes.map(() => 'ring'));
      await eventually(() => h.adapter.liveCalls() === 0, 5000, 'the live-calls map to empty');
      expect(meter.peak).toBeLessThanOrEqual(bound + 1); // + 1: the events WebSocket
      expect(meter.peak).toBe(bound + 1); // the burst did fill the pool
    } finally {
      await h.stop();
    }
  }, 30_000);
});
