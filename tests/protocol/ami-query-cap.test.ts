/**
 * A ChutQuery that arrives while the most calls chut screens at once are already being screened is ignored: the
 * dialplan rings the call after its wait (fail-open) and chut keeps no record of it. That used to happen without a word;
 * now chut warns, once for a burst (a line per ignored call would flood the log when it is busiest), and counts each one
 * on /metrics (`chut_pbx_calls_unscreened_total`), the only trace of those calls. The AMI fake runs the shipped
 * dialplan; the cap is lowered to 1 and one screening held, instead of 10,000 calls in flight.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmiAdapter, type AmiAdapter } from '../../src/ami/index.js';
import { parseConfig } from '../../src/config.js';
import { createMetrics, type Metrics } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import { parsePolicy } from '../../src/rules/index.js';
import { createScreeningService } from '../../src/screening/service.js';
import { createAmiFake, eventually, type AmiFake, TEST_POLICY } from '../fakes/ami/index.js';

const IGNORED = /^AMI: a ChutQuery came while 1 call was being screened, the most at once: ignored, 1 time since chut started /;
const UNSCREENED = /^chut_pbx_calls_unscreened_total\{adapter="asterisk-ami",reason="max-calls"\} (\d+)$/m;

let sim: AmiFake;
let adapter: AmiAdapter;
let metrics: Metrics;
const store = createMemoryStore();
const logs: Array<{ level: number; msg: string; times?: number }> = [];
/** Holds every screening until released: the first call stays in flight. */
let release: () => void = () => undefined;
const held = new Promise<void>((resolve) => { release = resolve; });

beforeAll(async () => {
  sim = createAmiFake({ decisionWaitMs: 300 });
  await sim.start();
  const config = parseConfig({ ...sim.chutConfig() });
  const logger = createLogger('debug', new Writable({ write(chunk, _enc, done) { logs.push(JSON.parse(String(chunk))); done(); } }));
  const service = createScreeningService({ store, policy: parsePolicy(TEST_POLICY, 'test'), config, logger });
  const screening = { ...service, screen: async (call: Parameters<typeof service.screen>[0]) => { await held; return service.screen(call); } };
  metrics = createMetrics({ pbx: ['asterisk-ami'], decisions: [], unscreened: [{ adapter: 'asterisk-ami', reason: 'max-calls' }] });
  adapter = createAmiAdapter({ config, screening, logger, counters: metrics }, { maxCalls: 1 });
  await adapter.start();
  await sim.waitForChut();
});
afterAll(async () => {
  release();
  await adapter?.stop();
  await sim?.stop();
});

/** The /metrics text's count of ChutQueries ignored at the cap (null: no such series). */
async function unscreened(): Promise<number | null> {
  const m = UNSCREENED.exec(await metrics.render());
  return m ? Number(m[1]) : null;
}

describe('AMI: a ChutQuery past the most calls screened at once', () => {
  it('rings unrecorded, as before, and chut says so once for the burst, with how many, and counts each on /metrics', async () => {
    expect(await unscreened()).toBe(0);
    const first = sim.placeCall({ callerNumber: '+33612340001', callerName: 'REJECT first', dialled: '0100000000', behaviour: { kind: 'silent' } });
    await eventually(() => adapter.stats().screening === 1, 5000, 'the first call in flight');
    const more = await Promise.all(['+33612340002', '+33612340003'].map((callerNumber) =>
      sim.placeCall({ callerNumber, callerName: 'REJECT more', dialled: '0100000000', behaviour: { kind: 'silent' } })));
    for (const out of more) expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(logs.filter((l) => IGNORED.test(l.msg))).toEqual([expect.objectContaining({ level: 40, times: 1 })]);
    expect(await unscreened()).toBe(2); // one log line for the burst, but every call counted
    release();
    await first;
    await adapter.idle();
    const recorded = (await store.calls({ limit: 10 })).calls.map((c) => c.callId);
    for (const out of more) expect(recorded).not.toContain(out.callId);
  });
});
