/** A peer that accepts the events WebSocket and breaks it at once, every time, gets a growing backoff. */
import { afterEach, expect, it } from 'vitest';
import { createAriEvents, type AriEventsConnection } from '../../../src/ari/connection.js';
import { silentLogger } from '../../../src/logger.js';
import { AriSimulator } from '../../../src/sim/ari/index.js';

let sim: AriSimulator | null = null;
let events: AriEventsConnection | null = null;
afterEach(async () => {
  await events?.stop();
  await sim?.stop();
  events = sim = null;
});

it('the reconnect attempt count keeps growing while every connection drops at once (no reset on open)', async () => {
  sim = new AriSimulator();
  await sim.start();
  const attempts: number[] = [];
  const asked: number[] = [];
  events = createAriEvents({
    baseUrl: `${sim.url}/ari`, authHeader: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`,
    app: sim.app, logger: silentLogger(), retryStrategy: (n) => { asked.push(n); return 20; },
  });
  events.on('status', (s) => {
    if (s.state === 'reconnecting') attempts.push(s.attempt ?? 0);
    if (s.state === 'ready') setImmediate(() => sim?.faults.dropWebSockets()); // accepted, then broken at once
  });
  events.start();
  const until = Date.now() + 5000;
  while (asked.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  expect(asked.slice(0, 4)).toEqual([1, 2, 3, 4]);
  expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 4]);
});
