/** Which errors of a store operation the API answers as the store's (503) rather than as a bug of chut's (500): the
 * errors ioredis really raises when Redis is down or silent, not imitations of them. */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StoreStoppedError, StoreTimeoutError, storeFailure } from '../../../src/http/context.js';
import { ImportUnconfirmedError, MalformedRecordError, SchemaError } from '../../../src/reputation/index.js';

/** A server that accepts connections and never answers (a stopped Redis process, a paused VM). */
let silent: Server;
const sockets: Socket[] = [];
beforeAll(async () => {
  silent = createServer((s) => { sockets.push(s); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

/** What `command` on a client built with `options` rejects with. */
async function rejection(options: RedisOptions): Promise<unknown> {
  const redis = new Redis({ lazyConnect: false, retryStrategy: () => null, ...options });
  redis.on('error', () => undefined);
  try {
    return await redis.get('k').then(() => 'answered', (err: unknown) => err);
  } finally {
    redis.disconnect();
  }
}

it('what ioredis raises for a Redis that is down, or silent, is the store\'s', async () => {
  const down = { host: '127.0.0.1', port: 1 };
  const raised = [
    await rejection({ ...down, enableOfflineQueue: false }), // the call path's client: "Stream isn't writeable…"
    await rejection({ ...down, maxRetriesPerRequest: 0 }), // the command line's client: "Connection is closed."
    await rejection({ ...down, maxRetriesPerRequest: 0, retryStrategy: () => 50 }), // reconnecting: MaxRetriesPerRequestError
    await rejection({ host: '127.0.0.1', port: (silent.address() as AddressInfo).port, commandTimeout: 200 }),
  ];
  expect(raised.map((err) => (err as Error).message)).toEqual([
    "Stream isn't writeable and enableOfflineQueue options is false", 'Connection is closed.', expect.stringMatching(/^Reached the max retries/), 'Command timed out',
  ]);
  for (const err of raised) {
    expect(storeFailure(err), String(err)).toBe(true);
  }
  expect(storeFailure(new ReplyError('LOADING Redis is loading the dataset in memory'))).toBe(true);
  expect(storeFailure(new ReplyError('NOSCRIPT No matching script'))).toBe(true);
});

it('chut\'s own store failures are the store\'s', () => {
  expect(storeFailure(new StoreTimeoutError('stats timed out after 5000 ms'))).toBe(true);
  expect(storeFailure(new StoreStoppedError('importList timed out after 60000 ms'))).toBe(true);
  expect(storeFailure(new ImportUnconfirmedError('import failed part-way', true))).toBe(true);
  expect(storeFailure(new SchemaError('Redis keys under "x:" use schema version 9'))).toBe(true);
  expect(storeFailure(new Error('Redis transaction aborted'))).toBe(true);
});

it('anything else is a bug of chut\'s, a malformed record and a reply no retry clears included', () => {
  expect(storeFailure(new TypeError("Cannot read properties of undefined (reading 'hours')"))).toBe(false);
  expect(storeFailure(new RangeError('Maximum call stack size exceeded'))).toBe(false);
  expect(storeFailure(new MalformedRecordError('invalid addedAt -1', { kind: 'number', e164: '+33612345678' }))).toBe(false);
  expect(storeFailure(new Error('invalid calls cursor "x"'))).toBe(false);
  // Redis's replies that no retry clears (isUnretryableReply): chut's script or command is wrong, or its data
  expect(storeFailure(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
  expect(storeFailure(new ReplyError("ERR user_script:3: attempt to compare nil with number script: 7d2d86, on @user_script:3."))).toBe(false);
  expect(storeFailure('a thrown string')).toBe(false);
  expect(storeFailure(undefined)).toBe(false);
});
