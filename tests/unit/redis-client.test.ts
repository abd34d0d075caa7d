/** What the Redis client does with replies that say Redis refuses writes: READONLY reconnects, OOM/READONLY are named. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRedisClient, isRedisWriteRefusal, reconnectOnReadonly, writeRefusalLine } from '../../src/redis-client.js';

const READONLY = "READONLY You can't write against a read only replica. script: 991d32, on @user_script:2.";
const OOM = "OOM command not allowed when used memory > 'maxmemory'. script: 7d2d86, on @user_script:49.";

describe('reconnectOnReadonly', () => {
  it('reconnects (without resending) on READONLY only: the server became a replica', () => {
    expect(reconnectOnReadonly(new Error(READONLY))).toBe(1);
    for (const other of [OOM, 'ERR unknown command', 'LOADING Redis is loading the dataset in memory', 'WRONGTYPE Operation against a key', 'NOREADONLY']) {
      expect(reconnectOnReadonly(new Error(other)), other).toBe(false);
    }
  });

  it('is set on the clients chut builds, with a URL and under Sentinel', () => {
    const url = parseConfig({ store: 'redis', redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 100 } }).redis;
    const sentinel = parseConfig({ store: 'redis', redis: { sentinel: { name: 'm', hosts: [{ host: '127.0.0.1', port: 1 }] }, connectTimeoutMs: 100 } }).redis;
    for (const cfg of [url, sentinel]) {
      for (const failFast of [true, false]) {
        const client = createRedisClient(cfg, { failFast });
        client.on('error', () => undefined);
        try {
          expect(client.options.reconnectOnError?.(new Error(READONLY))).toBe(1);
          expect(client.options.reconnectOnError?.(new Error(OOM))).toBe(false);
        } finally {
          client.disconnect();
        }
      }
    }
  });
});

describe('isRedisWriteRefusal', () => {
  it('knows OOM and READONLY replies, also inside an aborted MULTI, and nothing else', () => {
    expect(isRedisWriteRefusal(new Error(OOM))).toBe(true);
    expect(isRedisWriteRefusal(new Error(READONLY))).toBe(true);
    const aborted = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [new Error(OOM)] });
    expect(isRedisWriteRefusal(aborted)).toBe(true);
    expect(writeRefusalLine(aborted)).toBe(OOM);
    expect(isRedisWriteRefusal(Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [new Error('ERR syntax error')] }))).toBe(false);
    for (const other of ['connect ECONNREFUSED 127.0.0.1:6379', 'Connection is closed.', 'WRONGPASS invalid username-password pair', 'ERR OOM in a value']) {
      expect(isRedisWriteRefusal(new Error(other)), other).toBe(false);
    }
    expect(isRedisWriteRefusal('OOM')).toBe(false);
  });
});
