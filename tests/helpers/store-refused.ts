/** What a user sees of a Redis store chut refuses at start (keys of a newer chut, a Redis too old): said once, loudly;
 * every call rings, degraded; /healthz answers 503 with the store error "schema". */
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { startChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { parsePolicy } from '../../src/rules/index.js';

export async function expectStoreRefusedAtStart(url: string, prefix: string, why: RegExp): Promise<void> {
  const logs: string[] = [];
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  const config = parseConfig({ store: 'redis', redis: { url, prefix }, http: { enabled: true, port: 0 } });
  const chut = await startChut({ config, policy: parsePolicy('version: 1\ndefault: reject\nrules: []\n', 'test'), logger, pbx: false });
  try {
    const refused = logs.filter((l) => l.includes('Redis store refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(why);
    const d = await chut.screening.screen({ pbx: 'asterisk-ari', callId: 'c1', callerNumber: '0612345678', callerName: '', dialled: '0100000000', receivedAt: Date.now() });
    expect([d.route, d.degraded]).toEqual(['ring', true]);
    const health = await fetch(`${chut.httpUrl}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { store: unknown }).store).toEqual({ ready: false, error: 'schema' });
  } finally {
    await chut.stop();
  }
}
