/**
 * A real Redis Sentinel setup on loopback for the HA tests: a master, one replica and one Sentinel, each its own
 * `redis-server` process (Sentinel is `redis-server --sentinel`, the binary Debian's redis-sentinel package runs)
 * on free ports, in a temporary directory, nothing saved to disk. Sentinel waits 1 s before calling a master down.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const SENTINEL_MASTER_NAME = 'chutha';

/** Every redis-server these tests started and that still runs: a setup cut short by a test timeout finishes in the
 * background, out of any test's reach, so the file kills them all at the end (and the process on exit). */
const running = new Set<ChildProcess>();
process.once('exit', () => killAllRedisProcesses());

export function killAllRedisProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Whether this machine can run the setup (the `redis-server` binary). */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Polls `probe` until it returns a truthy value. An error it throws (Redis not up yet) means "not yet", but a failed
 * `expect` in it is the test's answer: retrying it would pass a test whose assertion failed on every probe but the
 * last.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      if (err instanceof Error && err.name === 'AssertionError') throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export interface RedisNode {
  port: number;
  process: ChildProcess;
  /** A plain admin client on this node (not chut's). */
  admin: Redis;
}

export interface SentinelSetup {
  master: RedisNode;
  replica: RedisNode;
  sentinel: RedisNode;
  /** host:port the Sentinel names as master now. */
  masterPort(): Promise<number>;
  /** Kills a node for good (SIGKILL: a crash, not a shutdown). */
  kill(node: RedisNode): void;
  stop(): Promise<void>;
}

export interface SentinelOptions {
  /** requirepass (and masterauth) of both Redis nodes. */
  redisPassword?: string;
  /** requirepass of the Sentinel itself. */
  sentinelPassword?: string;
}

export async function startSentinelSetup(opts: SentinelOptions = {}): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'chut-sentinel-'));
  const children: ChildProcess[] = [];
  const admins: Redis[] = [];
  const start = async (port: number, args: string[], password: string | undefined): Promise<RedisNode> => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.push(child);
    running.add(child);
    child.once('exit', () => running.delete(child));
    const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100, ...(password ? { password } : {}) });
    admin.on('error', () => undefined); // killed on purpose in the tests
    admins.push(admin);
    await waitFor(`redis-server on ${port}`, async () => (await admin.ping()) === 'PONG');
    return { port, process: child, admin };
  };
  const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  const node = (port: number) => [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    // replicas get the data at once rather than after Redis's 5 s wait for more replicas
    '--repl-diskless-sync-delay', '0',
    ...(opts.redisPassword ? ['--requirepass', opts.redisPassword, '--masterauth', opts.redisPassword] : []),
  ];
  try {
    const master = await start(masterPort, node(masterPort), opts.redisPassword);
    const replica = await start(replicaPort, [...node(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)], opts.redisPassword);
    await waitFor('the replica in sync', async () => /master_link_status:up/.test(await replica.admin.info('replication')));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, [
      `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
      `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
      ...(opts.redisPassword ? [`sentinel auth-pass ${SENTINEL_MASTER_NAME} ${opts.redisPassword}`] : []),
      ...(opts.sentinelPassword ? [`requirepass ${opts.sentinelPassword}`] : []),
      '',
    ].join('\n'));
    const sentinel = await start(sentinelPort, [conf, '--sentinel'], opts.sentinelPassword);
    // A switchover needs a replica the Sentinel already knows to be healthy.
    await waitFor('the Sentinel to know the replica', async () => {
      const replicas = (await sentinel.admin.call('SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME)) as string[][];
      return replicas.some((fields) => {
        const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
        return f.flags === 'slave' && f['master-link-status'] === 'ok';
      });
    });
    return {
      master, replica, sentinel,
      async masterPort() {
        const [, port] = (await sentinel.admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)) as [string, string];
        return Number(port);
      },
      kill(n) {
        n.process.kill('SIGKILL');
      },
      async stop() {
        for (const a of admins) a.disconnect();
        for (const c of children) c.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const a of admins) a.disconnect();
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
