/**
 * The call path's lane (src/redis-lane) against real Redis servers: the store behaves as without it (the shared
 * contract), and the lane follows the client it rides beside: its user, password and database, a server that forgot
 * the scripts, connections Redis kills, a Redis restarted.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisStore, type RedisReputationStore } from '../../src/reputation/index.js';
import { createRedisClient } from '../../src/redis-client.js';
import { LOOKUP_LUA } from '../../src/reputation/lua.js';
import { parseConfig } from '../../src/config.js';
import { useTestRedis, uniquePrefix } from '../helpers/redis.js';
import { redisServerInstalled, startScratchRedis, waitFor, type ScratchRedis } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { storeContract } from './store-contract.js';

const db = useTestRedis();

storeContract('redis, the call path on its lane', async () => {
  const store = createRedisStore({ url: db.url, prefix: db.prefix('lane'), callPathLane: true });
  await until(() => store.laneConnected, 'the lane to connect');
  return store;
});

const T0 = Date.UTC(2026, 5, 15, 10, 30, 0);
/** A screening lookup that counts the call: what every call's lookup is. */
const screening = (e164: string, member: string) => ({ e164, rateWindowsSec: [60, 3600], blockDigits: 8, now: T0, countCall: { windowMs: 3_600_000, member } });

describe.skipIf(!redisServerInstalled())('the lane beside the client of chut run', () => {
  let server: ScratchRedis | null = null;
  const closing: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    await server?.stop();
    server = null;
  });

  /** The store and client `chut run` builds for `url`, its lane connected. */
  async function chutStore(url: string, prefix: string): Promise<{ store: RedisReputationStore; client: Redis }> {
    const client = createRedisClient(parseConfig({ redis: { url, prefix } }).redis, { failFast: true });
    client.on('error', () => undefined);
    const store = createRedisStore({ redis: client, prefix, callPathLane: true });
    closing.push(() => client.disconnect(), () => store.close());
    await until(() => store.laneConnected, 'the lane to connect');
    return { store, client };
  }

  function admin(s: ScratchRedis, database = 0): Redis {
    const a = new Redis(s.url, { db: database, maxRetriesPerRequest: 0 });
    closing.push(() => a.disconnect());
    return a;
  }

  it('logs in as the client\'s ACL user and writes to the client\'s database, not to database 0', async () => {
    server = await startScratchRedis({ password: 'root-pass' });
    await admin(server).call('ACL', 'SETUSER', 'chut', 'on', '>lane pass', '~*', '&*', '+@all');
    const prefix = uniquePrefix('lane');
    const { store } = await chutStore(`redis://chut:lane%20pass@127.0.0.1:${server.port}/2`, prefix);
    await store.lookup(screening('+33612345678', 'call-1'));
    const clients = (await admin(server).call('CLIENT', 'LIST', 'TYPE', 'normal') as string).split('\n').filter((l) => / user=chut /.test(l));
    expect(clients).toHaveLength(2); // the client and its lane
    for (const line of clients) expect(line).toMatch(/ db=2 /);
    expect(clients.some((l) => / cmd=evalsha /.test(l))).toBe(true);
    expect(await admin(server, 2).keys(`${prefix}*`)).not.toEqual([]);
    expect(await admin(server, 0).keys(`${prefix}*`)).toEqual([]);
  });

  it('logs in as the client\'s ACL user that has no password (redis://chut@host), not as Redis\'s default user', async () => {
    server = await startScratchRedis();
    await admin(server).call('ACL', 'SETUSER', 'chut', 'on', 'nopass', '~*', '&*', '+@all');
    const { store } = await chutStore(`redis://chut@127.0.0.1:${server.port}`, uniquePrefix('lane'));
    await store.lookup(screening('+33612345678', 'call-1'));
    const clients = (await admin(server).call('CLIENT', 'LIST', 'TYPE', 'normal') as string).split('\n');
    expect(clients.filter((l) => / user=chut /.test(l))).toHaveLength(2); // the client and its lane (the admin's is default)
    expect(clients.filter((l) => / cmd=evalsha /.test(l) && !/ user=chut /.test(l))).toEqual([]);
  });

  it('a password given for a Redis that has none: the lane logs in as the client does (ioredis goes on), and screens', async () => {
    server = await startScratchRedis();
    const { store } = await chutStore(`redis://:unneeded@127.0.0.1:${server.port}`, uniquePrefix('lane'));
    await expect(store.lookup(screening('+33612345678', 'call-1'))).resolves.toMatchObject({ reports: 0 });
    const lane = (await admin(server).call('CLIENT', 'LIST', 'TYPE', 'normal') as string).split('\n').filter((l) => / cmd=evalsha /.test(l));
    expect(lane).toHaveLength(1);
  });

  it('a Redis that forgot the scripts (SCRIPT FLUSH) still screens: the client loads them again, the lane goes on', async () => {
    server = await startScratchRedis();
    const { store } = await chutStore(server.url, uniquePrefix('lane'));
    await store.lookup(screening('+33612345678', 'before'));
    await admin(server).script('FLUSH');
    const after = await store.lookup(screening('+33612345678', 'after')); // it sees the call before it (counts exclude its own)
    expect(after.recentCalls.number).toEqual({ 60: 1, 3600: 1 });
    expect(store.laneConnected).toBe(true);
    expect(await admin(server).script('EXISTS', createHash('sha1').update(LOOKUP_LUA).digest('hex'))).toEqual([1]);
  });

  it('Redis kills chut\'s connections (CLIENT KILL): the calls go on through the client, and the lane comes back', async () => {
    server = await startScratchRedis({ password: 'pw' });
    const { store } = await chutStore(server.url, uniquePrefix('lane'));
    await admin(server).call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await waitFor('a lookup to work again', async () => {
      try {
        await store.lookup(screening('+33612345678', `m-${Math.random()}`));
        return true;
      } catch {
        return false;
      }
    });
    await until(() => store.laneConnected, 'the lane to come back', 15_000);
    await expect(store.lookup(screening('+33612345678', 'on the lane'))).resolves.toMatchObject({ reports: 0 });
  });

  it('a Redis restarted (its scripts and keys gone): the lane follows the client back and screens', async () => {
    server = await startScratchRedis({ password: 'pw' });
    const { store } = await chutStore(server.url, uniquePrefix('lane'));
    await server.kill();
    await waitFor('the lane to notice', async () => !store.laneConnected);
    await server.restart();
    await until(() => store.laneConnected, 'the lane to follow the client back', 20_000);
    await store.lookup(screening('+33612345678', 'after the restart'));
    const facts = await store.lookup(screening('+33612345678', 'the next one'));
    expect(facts.recentCalls.number).toEqual({ 60: 1, 3600: 1 });
  });
});
