/** The events connection asks Asterisk now and then whether our Stasis app is still registered. */
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

it('an app Asterisk no longer has, with the WebSocket still open, is registered again (a new connection)', async () => {
  sim = new AriSimulator();
  await sim.start();
  const states: string[] = [];
  // Asterisk answers 404 "Application not found" once, as after an unregistration that left our socket open
  let answers = [false];
  events = createAriEvents({
    baseUrl: `${sim.url}/ari`, authHeader: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`,
    app: sim.app, logger: silentLogger(), retryStrategy: () => 20, appCheckMs: 50,
    appRegistered: async () => { const a = answers.shift(); return a ?? true; },
  });
  events.on('status', (s) => states.push(s.state));
  events.start();
  const until = Date.now() + 3000;
  while (states.filter((s) => s === 'ready').length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  expect(states).toEqual(['connecting', 'ready', 'reconnecting', 'ready']);
  answers = [];
});

it('an unanswered check (Asterisk slow, REST down) is no reason to drop a working connection', async () => {
  sim = new AriSimulator();
  await sim.start();
  const states: string[] = [];
  let asked = 0;
  events = createAriEvents({
    baseUrl: `${sim.url}/ari`, authHeader: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`,
    app: sim.app, logger: silentLogger(), retryStrategy: () => 20, appCheckMs: 30,
    appRegistered: async () => { asked += 1; return null; },
  });
  events.on('status', (s) => states.push(s.state));
  events.start();
  await new Promise((r) => setTimeout(r, 400));
  expect(asked).toBeGreaterThan(3);
  expect(states).toEqual(['connecting', 'ready']);
});
