/** `chut serve` / `chut run` as a service manager drives it: the signals it gets, and what it does with them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { CHUT_BIN, runChut } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { startMqttHop } from '../helpers/mqtt-hop.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

interface Serving { child: ChildProcess; log: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; port: number }

// Bounds (polls 60 s, tests 120 s) are for a loaded 2-vCPU box, where starting chut took longer than the 20 s it had:
// each is a wait for a line or an exit that comes at once on an idle machine, so a real hang still fails.
let serving: Serving | undefined;
afterEach(() => { serving?.child.kill('SIGKILL'); serving = undefined; });

async function serve(args: string[] = [], env: Record<string, string> = { CHUT_STORE: 'memory' }): Promise<Serving> {
  const port = await freePort();
  const child = spawn(process.execPath, [CHUT_BIN, ...args, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CHUT_HTTP_HOST: '127.0.0.1', CHUT_HTTP_PORT: String(port), CHUT_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await expect.poll(() => log, { timeout: 60_000 }).toContain('chut started');
  return { child, log: () => log, exited, port };
}

const MQTT_BROKER = 'mqtt://127.0.0.1:1883';

const healthy = async (port: number): Promise<number> => (await fetch(`http://127.0.0.1:${port}/healthz`)).status;

describe('signals', () => {
  it('SIGHUP leaves chut running and says that nothing was reloaded (Node would exit, and systemd not restart it)', async () => {
    serving = await serve();
    serving.child.kill('SIGHUP');
    await expect.poll(() => serving!.log(), { timeout: 30_000 }).toContain('SIGHUP ignored');
    expect(await healthy(serving.port)).toBe(200);
    expect(serving.child.exitCode).toBeNull();
  }, 120_000);

  it('SIGHUP while chut is still starting (waiting for Redis) is ignored too', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CHUT_BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CHUT_REDIS_URL: 'redis://127.0.0.1:1', CHUT_HTTP_HOST: '127.0.0.1', CHUT_HTTP_PORT: String(port), CHUT_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    serving = { child, log: () => log, exited: new Promise(() => {}), port };
    await expect.poll(() => log, { timeout: 60_000 }).toContain('Redis connection error'); // starting: Redis refuses
    expect(log).not.toContain('chut started');
    child.kill('SIGHUP');
    await expect.poll(() => log, { timeout: 60_000 }).toContain('chut started');
    expect(log).toContain('SIGHUP ignored');
    expect(child.exitCode).toBeNull();
  }, 120_000);

  /** Spawns chut with its module loading held at app.js (tests/helpers/slow-load-hooks.mjs); resolves once it is held. */
  async function spawnWhileLoading(args: string[]): Promise<{ child: ChildProcess; log: () => string; exited: Serving['exited']; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'chut-hup-'));
    const marker = join(dir, 'loading');
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', join(process.cwd(), 'tests/helpers/slow-load.mjs'), CHUT_BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CHUT_STORE: 'memory', CHUT_HTTP_HOST: '127.0.0.1',
        CHUT_HTTP_PORT: String(port), CHUT_LOG_LEVEL: 'info',
        CHUT_SLOW_MODULE: '/dist/src/app.js', CHUT_SLOW_MARKER: marker, CHUT_SLOW_MS: '1500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await expect.poll(() => existsSync(marker), { timeout: 60_000 }).toBe(true);
    return { child, log: () => log, exited, dir };
  }

  it('SIGHUP while chut\'s modules are still loading is ignored too (Node\'s default would end it before run.ts)', async () => {
    const loading = await spawnWhileLoading(['serve']);
    try {
      serving = { ...loading, port: 0 };
      loading.child.kill('SIGHUP');
      await expect.poll(() => loading.log(), { timeout: 60_000 }).toContain('chut started');
      expect(loading.log()).toContain('SIGHUP ignored');
      expect(loading.child.exitCode).toBeNull();
      expect(loading.child.signalCode).toBeNull();
    } finally {
      rmSync(loading.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('any other command keeps Node\'s default: a SIGHUP while it loads ends it', async () => {
    const loading = await spawnWhileLoading(['--version']);
    try {
      loading.child.kill('SIGHUP');
      expect(await loading.exited).toEqual({ code: null, signal: 'SIGHUP' });
      expect(loading.log()).toBe('');
    } finally {
      rmSync(loading.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('SIGTERM stops chut cleanly: "stopping" logged, exit 0', async () => {
    serving = await serve();
    serving.child.kill('SIGTERM');
    expect(await serving.exited).toEqual({ code: 0, signal: null });
    expect(serving.log()).toMatch(/"signal":"SIGTERM".*"msg":"stopping"/);
  }, 120_000);

  it('SIGTERM stops chut while a client holds a connection it has sent nothing on (a browser\'s spare one): it does not wait for it', async () => {
    serving = await serve();
    const socket = connect(serving.port, '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      serving.child.kill('SIGTERM');
      // the client never sends nor closes: chut waited for it, past systemd's TimeoutStopSec (its SIGKILL then)
      expect(await serving.exited).toEqual({ code: 0, signal: null });
    } finally {
      socket.destroy();
    }
  }, 120_000);

  it('SIGTERM stops chut while its MQTT broker stalls (takes nothing more): it exits before systemd would kill it, and the broker says offline (the last will)', async () => {
    const hop = await startMqttHop(MQTT_BROKER);
    const dir = mkdtempSync(join(tmpdir(), 'chut-mqtt-stall-'));
    const topicPrefix = `chuttest/${randomBytes(4).toString('hex')}`;
    const subscriber = await connectAsync(MQTT_BROKER, { reconnectPeriod: 0 });
    const statuses: string[] = [];
    subscriber.on('message', (_topic, payload) => statuses.push(payload.toString('utf8')));
    let deadline: NodeJS.Timeout | undefined;
    try {
      await subscriber.subscribeAsync(`${topicPrefix}/status`, { qos: 1 });
      const config = join(dir, 'chut.yaml');
      writeFileSync(config, [
        `policy: '${join(process.cwd(), 'config', 'policy.yaml')}'`,
        `notifications: { mqtt: { url: '${hop.url}', topicPrefix: '${topicPrefix}', events: [call-rejected] } }`,
      ].join('\n'));
      serving = await serve(['--config', config]);
      await expect.poll(() => statuses.at(-1), { timeout: 60_000 }).toBe('online');
      hop.hold();
      serving.child.kill('SIGTERM');
      // contrib/chut.service's TimeoutStopSec: the connection to the broker, left open, kept chut running past it
      const stopped = await Promise.race([serving.exited, new Promise((resolve) => { deadline = setTimeout(() => resolve('still running'), 30_000); })]);
      expect(stopped).toEqual({ code: 0, signal: null });
      await until(() => statuses.at(-1) === 'offline', 'the last will');
    } finally {
      clearTimeout(deadline);
      serving?.child.kill('SIGKILL');
      await hop.close();
      // the last will, if this failed before it, then the retained status removed
      await until(() => statuses.at(-1) === 'offline', 'the last will').catch(() => undefined);
      await subscriber.publishAsync(`${topicPrefix}/status`, '', { retain: true, qos: 1 });
      await subscriber.endAsync();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('--redis before the service commands, as chut --help says', () => {
  it('serve and check-config take it (they answered "Unknown option")', async () => {
    const url = await testRedisUrl();
    const prefix = uniquePrefix('cli-redis');
    try {
      serving = await serve(['--redis', url], { CHUT_REDIS_PREFIX: prefix });
      const health = await (await fetch(`http://127.0.0.1:${serving.port}/healthz`)).json() as { store: { ready: boolean } };
      expect(health.store.ready).toBe(true);
      const ok = await runChut(['--redis', url, 'check-config'], { CHUT_REDIS_PREFIX: prefix });
      expect([ok.code, ok.stderr]).toEqual([0, '']);
      // a --redis that would not be used is refused, not ignored
      const memory = await runChut(['--redis', url, 'check-config'], { CHUT_STORE: 'memory' });
      expect([memory.code, memory.stderr]).toEqual([2, 'chut check-config: --redis has no effect with store: memory (CHUT_STORE): set store: redis to use it\n']);
      const dir = mkdtempSync(join(tmpdir(), 'chut-sentinel-'));
      try {
        writeFileSync(join(dir, 'chut.yaml'), 'redis:\n  sentinel: { name: mymaster, hosts: [{ host: 127.0.0.1, port: 26379 }] }\n');
        const sentinel = await runChut(['--config', join(dir, 'chut.yaml'), 'serve', '--redis', url], {});
        expect(sentinel.code).toBe(2);
        expect(sentinel.stderr).toMatch(/--redis has no effect: redis\.sentinel in .*chut\.yaml says where Redis is/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const bad = await runChut(['check-config', '--redis', 'http://example.org'], {});
      expect(bad.code).toBe(78);
      expect(bad.stderr).toMatch(/redis\.url/);
    } finally {
      await removeKeys(url, prefix);
    }
  }, 120_000);
});
