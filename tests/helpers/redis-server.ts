/**
 * A scratch `redis-server` on a free loopback port, for outage tests: pause it (SIGSTOP: the connection stays open and
 * nothing answers, like a stopped process, a stuck disk or a black-holed network), resume it, or shut it down and
 * start it again on the same port. Nothing is saved to disk. Tests using it skip where `redis-server` is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisServerInstalled, waitFor } from './redis-sentinel.js';

export { redisServerInstalled, waitFor };

export interface ScratchRedis {
  port: number;
  /** `redis://127.0.0.1:<port>` (with the password when the server has one). */
  url: string;
  pause(): void;
  resume(): void;
  /** Kills the server (SIGKILL: connections are reset). */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill()). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => { for (const child of running) child.kill('SIGKILL'); });

export async function startScratchRedis(opts: { password?: string } = {}): Promise<ScratchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chut-redis-'));
  let child: ChildProcess | null = null;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
      ...(opts.password ? ['--requirepass', opts.password] : [])];
    const c = spawn('redis-server', args, { stdio: 'ignore' });
    child = c;
    running.add(c);
    c.once('exit', () => running.delete(c));
    const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(opts.password ? { password: opts.password } : {}) });
    admin.on('error', () => undefined);
    try {
      await waitFor(`redis-server on ${port}`, async () => {
        if (admin.status !== 'ready') await admin.connect().catch(() => undefined);
        return (await admin.ping()) === 'PONG';
      });
    } finally {
      admin.disconnect();
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://${opts.password ? `:${opts.password}@` : ''}127.0.0.1:${port}`,
    pause: () => { child?.kill('SIGSTOP'); },
    resume: () => { child?.kill('SIGCONT'); },
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
