/**
 * A call the ESL listener cannot serve (`maxConcurrent` calls already being screened, or chut stopping) still gets
 * `connect` and a close, so FreeSWITCH rings it: unscreened and unrecorded, so chut_calls_total misses it. Each one is
 * counted on /metrics, chut_pbx_calls_unscreened_total{adapter="esl",reason}, as AMI counts its own (ami-query-cap), and
 * warned of once for a burst: a line per call would flood the log when chut is busiest.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createEslAdapter, type EslAdapter } from '../../src/esl/index.js';
import { OutboundServer } from '../../src/esl/server.js';
import { createMetrics, type Metrics } from '../../src/http/index.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { FakeFreeSwitch } from '../fakes/esl/index.js';
import { call } from '../fakes/esl/harness.js';
import { until } from '../helpers/until.js';

/** A screener that never answers: each call it takes stays in flight (the watchdog is kept far off). */
const stuckScreener = {
  handleCall: () => new Promise<never>(() => undefined),
  enrichCall: async () => undefined,
  reportLastCaller: async () => null,
} as unknown as ScreeningService;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function eslMetrics(): Metrics {
  return createMetrics({ pbx: ['freeswitch'], decisions: [], unscreened: [{ adapter: 'esl', reason: 'max-calls' }, { adapter: 'esl', reason: 'stopping' }] });
}

/** The /metrics text's count of ESL calls let through unscreened for `reason` (null: no such series). */
async function unscreened(metrics: Metrics, reason: string): Promise<number | null> {
  const line = new RegExp(`^chut_pbx_calls_unscreened_total\\{adapter="esl",reason="${reason}"\\} (\\d+)$`, 'm').exec(await metrics.render());
  return line ? Number(line[1]) : null;
}

it('a call past the most screened at once rings unscreened, is counted on /metrics as max-calls, and a burst is one warning', async () => {
  const sim = new FakeFreeSwitch();
  await sim.start();
  cleanup.push(() => sim.stop());
  const metrics = eslMetrics();
  const warnings: Array<{ msg: string; times?: number }> = [];
  const logger = createLogger('info', { write: (line: string) => { const l = JSON.parse(line) as { level: number; msg: string; times?: number }; if (l.level === 40) warnings.push(l); } });
  const config = parseConfig({ esl: { enabled: true, listenPort: sim.listenPort }, screening: { deadlineMs: 5000 } });
  const adapter: EslAdapter = createEslAdapter({ config, screening: stuckScreener, logger, counters: metrics }, { maxConcurrent: 1 });
  await adapter.start();
  cleanup.push(() => adapter.stop());
  expect(await unscreened(metrics, 'max-calls')).toBe(0);

  void sim.placeCall(call({}));
  await until(() => adapter.activeCalls === 1, 'the first call in flight');
  for (let i = 0; i < 3; i++) {
    const past = await sim.placeCall(call({}));
    expect(past.commands).toEqual(['connect']);
    expect(past.route).toBe('ring');
  }
  expect(await unscreened(metrics, 'max-calls')).toBe(3);
  expect(await unscreened(metrics, 'stopping')).toBe(0);
  // the first said at once, the two after it left to the next line (at most one a minute) and to /metrics
  expect(warnings.filter((w) => /not screened/.test(w.msg))).toEqual([expect.objectContaining({ times: 1 })]);
  expect(warnings[0]?.msg).toMatch(/^ESL: 1 call not screened .*1 call being screened, the most at once/);
});

it('a call handed to the listener while chut stops rings unscreened and is counted on /metrics as stopping', async () => {
  // stop() closes the listening socket at once, so the kernel refuses new calls (they ring) and Node hands over none it
  // had not yet; a connection accepted just then is stood for by a relay that passes its connections to the listener
  const sim = new FakeFreeSwitch();
  await sim.start();
  cleanup.push(() => sim.stop());
  const metrics = eslMetrics();
  const config = parseConfig({ esl: { enabled: true }, screening: { deadlineMs: 5000 } });
  const outbound = new OutboundServer({
    config, screening: stuckScreener, logger: silentLogger(), host: '127.0.0.1', port: 0, allowFrom: config.esl.allowFrom,
    stopGraceMs: 1000, onCallUnscreened: (reason) => metrics.callUnscreened('esl', reason),
  });
  await outbound.listen();
  const listener = (outbound as unknown as { server: Server }).server;
  const relay = createServer((socket) => listener.emit('connection', socket));
  await new Promise<void>((resolve) => relay.listen(sim.listenPort, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));

  const first = sim.placeCall(call({}));
  await until(() => outbound.activeCalls === 1, 'the first call in flight');
  const stopped = outbound.stop(); // waits its grace for the stuck call
  const during = await sim.placeCall(call({}));
  expect(during.commands).toEqual(['connect']);
  expect(during.route).toBe('ring');
  await stopped;
  expect((await first).route).toBe('ring');
  expect(await unscreened(metrics, 'stopping')).toBe(1);
  expect(await unscreened(metrics, 'max-calls')).toBe(0);
});
