/**
 * A call stream of `rings` records in the real Redis, read by a store through a proxy that can hold each reply back
 * (a slow Redis), with the latest `calls()` walk kept: the HTTP tests watch whether a walk stops when its request is
 * over (answered on the deadline, or its client gone).
 */
import { createRedisStore, type RedisReputationStore } from '../../src/reputation/index.js';
import type { CallsPage } from '../../src/reputation/types.js';
import { call } from '../integration/store-contract.js';
import { removeKeys, testRedisUrl } from './redis.js';
import { startSlowRedisProxy, type SlowRedisProxy } from './slow-redis-proxy.js';

export interface SlowCallsStream {
  proxy: SlowRedisProxy;
  /** The store behind the proxy, for the HTTP server under test. */
  store: RedisReputationStore;
  /** The walk the latest calls request started (it may go on after the answer); undefined until one starts. */
  walk: Promise<CallsPage> | undefined;
  /** Stops the proxy's delay, closes everything and removes the keys. */
  close(): Promise<void>;
}

export async function slowCallsStream(prefix: string, rings: number): Promise<SlowCallsStream> {
  const redisUrl = await testRedisUrl();
  const direct = createRedisStore({ url: redisUrl, prefix });
  for (let i = 0; i < rings; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, rings - i) }, (_, j) => direct.recordCall({
      record: call({ callId: `ring-${i + j}` }), blockDigits: 8, maxWindowSec: 0, streamMaxLen: 100_000,
    })));
  }
  await direct.close();
  const proxy = await startSlowRedisProxy(redisUrl);
  const store = createRedisStore({ url: proxy.url, prefix });
  const stream: SlowCallsStream = {
    proxy, store, walk: undefined,
    async close() {
      proxy.delayMs = 0;
      await store.close();
      await proxy.close();
      await removeKeys(redisUrl, prefix);
    },
  };
  const calls = store.calls.bind(store);
  store.calls = (q) => (stream.walk = calls(q));
  return stream;
}
