/**
 * chut against a Redis of its own (a scratch redis-server on a free port) that goes away during the run: stopped
 * without closing the connection (SIGSTOP), killed, restarted. Calls ring throughout (fail-open); these tests are
 * about what chut holds meanwhile and what it says.
 */
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { parsePolicy } from '../../src/rules/index.js';
import type { InboundCall } from '../../src/screening/types.js';
import { redisServerInstalled, startScratchRedis, waitFor, type ScratchRedis } from '../helpers/redis-server.js';
import { uniquePrefix } from '../helpers/redis.js';

// CI installs redis-server (.ci/run) and sets CHUT_REQUIRE_REDIS_SERVER so that these tests cannot skip there.
const runnable = redisServerInstalled() || process.env.CHUT_REQUIRE_REDIS_SERVER === '1';
if (!runnable) console.warn('redis-server is not installed: the Redis outage tests are skipped');

const POLICY = parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'test');

let seq = 0;
function call(): InboundCall {
  seq++;
  return { pbx: 'asterisk-ari', callId: `out-${seq}`, callerNumber: `06${String(10_000_000 + seq)}`, callerName: '', dialled: '0100000000', receivedAt: Date.now() };
}

/** Screens a call and writes its record, as a PBX adapter does. */
async function screenAndRecord(chut: RunningChut, c: InboundCall = call()) {
  const d = await chut.screening.screen(c);
  await chut.screening.finishCall(c, d, d.route, null);
  return d;
}

/** The ioredis client under chut's store: its status and queues (ioredis internals, read only). */
interface ClientView {
  status: Redis['status'];
  commandQueue: { length: number };
  offlineQueue: { length: number };
}
function clientOf(chut: RunningChut): ClientView {
  return (chut.store as unknown as { redis: ClientView }).redis;
}

describe.skipIf(!runnable)('Redis outages', () => {
  let server: ScratchRedis | null = null;
  let chut: RunningChut | null = null;
  const logs: string[] = [];

  async function start(opts: { password?: string; url?: string } = {}): Promise<{ server: ScratchRedis; chut: RunningChut }> {
    server = await startScratchRedis({ password: opts.password });
    logs.length = 0;
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
    const config = parseConfig({ store: 'redis', redis: { url: opts.url ?? server.url, prefix: uniquePrefix('outage'), connectTimeoutMs: 500 }, http: { enabled: false } });
    chut = await startChut({ config, policy: POLICY, logger, http: false, pbx: false });
    return { server, chut };
  }

  afterEach(async () => {
    server?.resume();
    await chut?.stop();
    await server?.stop();
    server = null;
    chut = null;
  });

  it('a Redis that stops answering without closing the connection: chut drops the connection, and calls meanwhile pile up nothing in the client', { timeout: 60_000 }, async () => {
    const { server, chut } = await start();
    expect((await screenAndRecord(chut)).degraded).toBe(false);
    const client = clientOf(chut);
    server.pause();
    // Calls go on while Redis is stopped: each one's lookup and record time out (the call rings).
    await waitFor('chut to drop the dead connection', async () => {
      const batch = Array.from({ length: 20 }, () => screenAndRecord(chut));
      for (const d of await Promise.all(batch)) expect([d.route, d.degraded]).toEqual(['ring', true]);
      return client.status !== 'ready';
    }, 30_000);
    // From then on, nothing is queued for the dead server: many more calls, and the client holds no more commands.
    await Promise.all(Array.from({ length: 500 }, () => screenAndRecord(chut)));
    expect(client.offlineQueue.length).toBe(0);
    expect(client.commandQueue.length).toBeLessThan(10); // at most the reconnect's own handshake
    server.resume();
    await waitFor('screening again once Redis answers', async () => !(await screenAndRecord(chut)).degraded, 30_000);
  });
});
