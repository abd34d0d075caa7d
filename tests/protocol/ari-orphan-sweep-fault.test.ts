/**
 * The orphan sweep runs on a timer after each connection, where nothing awaits it: a fault of its own (a reply it
 * misread, a bug) used to become an unhandled rejection, which `chut run` logs as "unhandled promise rejection (a
 * bug)" without saying what failed. It is caught where the sweep is started, and said in one warning line. The fault
 * is forced here: orphanCandidates (its own tests: tests/unit/ari/orphans.test.ts) is made to throw.
 */
import { Writable } from 'node:stream';
import { afterEach, expect, it, vi } from 'vitest';
import { createAriAdapter, type AriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { AriSimulator, eventually } from '../fakes/ari/index.js';

vi.mock('../../src/ari/orphans.js', () => ({
  orphanCandidates: () => { throw new TypeError('a sweep fault forced by the test'); },
}));

let sim: AriSimulator | null = null;
let adapter: AriAdapter | null = null;
afterEach(async () => {
  await adapter?.stop();
  await sim?.stop();
  adapter = sim = null;
});

it('a sweep that fails is one warning line, never an unhandled rejection', { timeout: 10_000 }, async () => {
  sim = new AriSimulator();
  await sim.start();
  const warnings: Array<{ msg: string; err?: string }> = [];
  const sink = new Writable({
    write(c, _e, done) {
      const line = JSON.parse(String(c)) as { level: number; msg: string; err?: string };
      if (line.level === 40) warnings.push(line);
      done();
    },
  });
  const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password, app: sim.app } });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
  process.on('unhandledRejection', onUnhandled);
  try {
    adapter = createAriAdapter({ config, logger: createLogger('debug', sink), screening: {} as ScreeningService }, { orphanSweepDelayMs: 50 });
    await adapter.start();
    const failed = () => warnings.filter((w) => w.msg.includes('orphan sweep after a connection failed'));
    await eventually(() => failed().length > 0 || unhandled.length > 0, 5000, 'the sweep to fail');
    await new Promise((r) => setTimeout(r, 100)); // an unhandled rejection is reported after the microtasks ran
    expect(unhandled).toEqual([]);
    expect(failed()).toHaveLength(1);
    expect(failed()[0]?.msg).toContain('wait there until the snippet\'s TIMEOUT(absolute) takes them back');
    expect(failed()[0]?.err).toContain('a sweep fault forced by the test');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
