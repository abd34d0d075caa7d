/** A redis.url naming a database the server lacks: ioredis would go on with database 0; chut refuses, says so, rings. */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { startChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { parsePolicy } from '../../src/rules/index.js';
import { testRedisUrl } from '../helpers/redis.js';

it('chut run against a database the server lacks logs an error once and fails open, writing nothing to database 0', async () => {
  const url = new URL(await testRedisUrl());
  url.pathname = '/99'; // Redis has 16 databases unless configured otherwise
  const logs: string[] = [];
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  const config = parseConfig({ store: 'redis', redis: { url: url.toString(), prefix: 'chuttest:wrongdb:', connectTimeoutMs: 500 }, http: { enabled: false } });
  const chut = await startChut({ config, policy: parsePolicy('version: 1\ndefault: reject\nrules: []\n', 'test'), logger, http: false, pbx: false });
  try {
    const d = await chut.screening.screen({ pbx: 'asterisk-ari', callId: 'c1', callerNumber: '0612345678', callerName: '', dialled: '0100000000', receivedAt: Date.now() });
    expect([d.route, d.degraded]).toEqual(['ring', true]);
    const refused = logs.filter((l) => l.includes('Redis refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/database in redis\.url does not exist/);
    const db0 = new Redis(await testRedisUrl());
    try {
      expect(await db0.keys('chuttest:wrongdb:*')).toEqual([]); // ioredis alone would have counted the call there
    } finally {
      db0.disconnect();
    }
  } finally {
    await chut.stop();
  }
});
