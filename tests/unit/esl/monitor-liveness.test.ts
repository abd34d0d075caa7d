/**
 * The inbound monitor against FreeSWITCH sockets that stop talking (tests/fakes/esl/inbound-faults.ts, real
 * loopback TCP): a login that never completes and a logged-in connection gone silent both end in a warning
 * and a reconnect; heartbeats keep a quiet connection open; stop() leaves no reconnect and no timer behind.
 * Windows are shortened through the monitor's options; nothing here asserts how fast anything ran.
 */
import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { createEslAdapter } from '../../../src/esl/index.js';
import { DEFAULT_SILENCE_TIMEOUT_MS, InboundMonitor, type MonitorOptions } from '../../../src/esl/monitor.js';
import { createLogger } from '../../../src/logger.js';
import type { ScreeningService } from '../../../src/screening/types.js';
import { freePort } from '../../../src/sim/esl/index.js';
import { InboundEventServer } from '../../../src/sim/esl/inbound.js';
import { FaultyInboundSocket, type InboundFault } from '../../fakes/esl/inbound-faults.js';

const PASSWORD = 'S3cret-ClueCon';

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LogLine { level: number; msg: string; reason?: string }

/** A real pino logger (redaction included) whose lines are kept, raw and parsed. */
function capturingLogger() {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logger = createLogger('debug', { write: (line: string) => { raw.push(line); lines.push(JSON.parse(line) as LogLine); } });
  const warnings = () => lines.filter((l) => l.level === 40);
  return { logger, raw, lines, warnings };
}

/** setTimeout/clearTimeout spies: the set holds every timer created since, until it fires or is cleared. */
function trackTimers(): Set<NodeJS.Timeout> {
  const pending = new Set<NodeJS.Timeout>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const tracked = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    const timer = realSet((...a: unknown[]) => { pending.delete(timer); callback(...a); }, ms, ...args);
    pending.add(timer);
    return timer;
  };
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(tracked as unknown as typeof setTimeout);
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
    pending.delete(timer as NodeJS.Timeout);
    realClear(timer);
  });
  return pending;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

async function setUp(fault: InboundFault, options: Partial<MonitorOptions> = {}, heartbeatMs?: number) {
  const server = new FaultyInboundSocket(fault, { password: PASSWORD, heartbeatMs });
  await server.start();
  cleanups.push(() => server.stop());
  const log = capturingLogger();
  const monitor = new InboundMonitor({
    host: '127.0.0.1', port: server.port, password: PASSWORD, logger: log.logger,
    isScreened: () => true, enrich: async () => undefined, retryDelayMs: () => 10, ...options,
  });
  cleanups.push(() => monitor.stop());
  return { server, monitor, log };
}

describe('ESL inbound monitor: login timeout', () => {
  it('a FreeSWITCH that accepts but never sends auth/request: gives up after the login timeout, warns, connects again', async () => {
    const { server, monitor, log } = await setUp('mute', { loginTimeoutMs: 100 });
    monitor.start();
    await waitFor(() => server.connections >= 2);
    const [warning] = log.warnings();
    expect(warning?.msg).toBe('ESL monitor disconnected');
    expect(warning?.reason).toBe('no auth/request within 100 ms (not authenticated)');
  });

  it('a FreeSWITCH that never answers auth: the warning names the missing reply; the password is never logged', async () => {
    const { server, monitor, log } = await setUp('no-auth-reply', { loginTimeoutMs: 100 });
    monitor.start();
    await waitFor(() => server.connections >= 2);
    expect(server.commands[0]).toBe(`auth ${PASSWORD}`);
    expect(log.warnings()[0]?.reason).toBe('no reply to auth within 100 ms (not authenticated)');
    expect(log.raw.join('')).not.toContain(PASSWORD);
  });
});

describe('ESL inbound monitor: liveness', () => {
  it('subscribes to HEARTBEAT with its events; a logged-in connection gone silent is dropped and dialled again', async () => {
    const { server, monitor, log } = await setUp('silent-after-login', { silenceTimeoutMs: 150 });
    monitor.start();
    await waitFor(() => monitor.status().state === 'ready');
    expect(server.commands).toEqual([`auth ${PASSWORD}`, 'event plain CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE HEARTBEAT']);
    await waitFor(() => server.connections >= 2);
    const [warning] = log.warnings();
    expect(warning?.reason).toBe('no data for 150 ms (FreeSWITCH sends HEARTBEAT every 20 s): connection presumed dead');
    // The silent socket was destroyed, not left half-closed: the fake sees it go.
    await waitFor(() => server.openConnections <= 1);
  });

  it('HEARTBEAT events keep a quiet connection open well past the liveness window', async () => {
    const { server, monitor, log } = await setUp('heartbeats', { silenceTimeoutMs: 300 }, 20);
    monitor.start();
    await waitFor(() => monitor.status().state === 'ready');
    await sleep(1000);
    expect(server.connections).toBe(1);
    expect(log.warnings()).toEqual([]);
    expect(monitor.status().state).toBe('ready');
  });

  it('a frame announcing more bytes than ever come, heartbeats still flowing: ended at the liveness deadline, then events are read again', async () => {
    // A wrong Content-Length: every later frame (each HEARTBEAT, each call's hang-up) is read as that frame's body. The
    // bytes kept coming, so a deadline pushed back by any data never ended the connection: the monitor stayed ready and
    // enriched nothing until 5 MB of events had gone by.
    const fs = new InboundEventServer(PASSWORD, 20);
    await fs.start();
    cleanups.push(() => fs.stop());
    const log = capturingLogger();
    const enriched: string[] = [];
    const monitor = new InboundMonitor({
      host: '127.0.0.1', port: fs.port, password: PASSWORD, logger: log.logger, retryDelayMs: () => 10,
      // 1.5 s, not the 300 ms of the tests above: with heartbeats every 20 ms, a longer pause of a loaded machine
      // would otherwise end the new connection too and add a second warning
      silenceTimeoutMs: 1500, isScreened: () => true, enrich: async (id) => { enriched.push(id); },
    });
    cleanups.push(() => monitor.stop());
    monitor.start();
    await waitFor(() => monitor.status().state === 'ready' && fs.hasSubscribers);
    expect(fs.writeRaw('Content-Type: api/response\nContent-Length: 5000000\n\n')).toBe(1);
    fs.publish([['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', 'swallowed'], ['Hangup-Cause', 'NORMAL_CLEARING']]);
    await waitFor(() => fs.connectionsAccepted === 2 && monitor.status().state === 'ready' && fs.hasSubscribers);
    expect(log.warnings().map((l) => l.reason)).toEqual([
      'no complete frame for 1500 ms though data came (FreeSWITCH sends HEARTBEAT every 20 s): the stream is out of step (a frame that never ends: a wrong Content-Length?)',
    ]);
    fs.publish([['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', 'after'], ['Hangup-Cause', 'NORMAL_CLEARING']]);
    await waitFor(() => enriched.length > 0);
    // the hang-up read as the broken frame's body is lost: nothing can tell where that frame really ended
    expect(enriched).toEqual(['after']);
  });

  it('turns TCP keepalive on for its socket', async () => {
    const keepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    const { monitor } = await setUp('silent-after-login');
    monitor.start();
    await waitFor(() => monitor.status().state === 'ready');
    expect(keepAlive).toHaveBeenCalledWith(true, expect.any(Number));
    expect(keepAlive.mock.calls[0]?.[1]).toBeGreaterThan(0);
  });
});

describe('ESL inbound monitor: stop()', () => {
  // Windows far longer than the test: a timer stop() forgot would still be pending when checked.
  const phases: Array<[string, InboundFault, Partial<MonitorOptions>, (m: InboundMonitor, s: FaultyInboundSocket, warned: () => number) => boolean]> = [
    ['waiting for auth/request', 'mute', { loginTimeoutMs: 10_000 }, (_m, s) => s.connections === 1],
    ['logged in, watching for silence', 'silent-after-login', { silenceTimeoutMs: 10_000 }, (m) => m.status().state === 'ready'],
    ['waiting to reconnect', 'mute', { loginTimeoutMs: 50, retryDelayMs: () => 10_000 }, (_m, _s, warned) => warned() === 1],
  ];

  for (const [phase, fault, options, reached] of phases) {
    it(`${phase}: no timer left, so no reconnect and no warning afterwards`, async () => {
      const pending = trackTimers();
      const { server, monitor, log } = await setUp(fault, options);
      monitor.start();
      await waitFor(() => reached(monitor, server, () => log.warnings().length));
      const connections = server.connections;
      const warnings = log.warnings().length;
      monitor.stop();
      expect(monitor.status().state).toBe('closed');
      await waitFor(() => server.openConnections === 0);
      // The connection's own 1 s close reaper goes once the socket has closed; nothing else may remain.
      await waitFor(() => pending.size === 0, 500);
      await sleep(100);
      expect(server.connections).toBe(connections);
      expect(log.warnings()).toHaveLength(warnings);
    });
  }
});

describe('the simulated FreeSWITCH (demo, tests) keeps the monitor alive as FreeSWITCH does', () => {
  it('sends HEARTBEAT to subscribed clients, so an idle monitor is never dropped as silent', async () => {
    const fs = new InboundEventServer(PASSWORD, 50);
    await fs.start();
    cleanups.push(() => fs.stop());
    const log = capturingLogger();
    const monitor = new InboundMonitor({
      host: '127.0.0.1', port: fs.port, password: PASSWORD, logger: log.logger, retryDelayMs: () => 10,
      silenceTimeoutMs: 300, isScreened: () => true, enrich: async () => undefined,
    });
    cleanups.push(() => monitor.stop());
    monitor.start();
    await waitFor(() => monitor.status().state === 'ready' && fs.hasSubscribers);
    await sleep(1000);
    expect(log.warnings()).toEqual([]);
    expect(monitor.status().state).toBe('ready');
  });
});

describe('ESL inbound monitor: callbacks that throw', () => {
  it('a throwing isScreened is logged; the connection stays up and later events are still handled', async () => {
    const fs = new InboundEventServer(PASSWORD);
    await fs.start();
    cleanups.push(() => fs.stop());
    const log = capturingLogger();
    const enriched: string[] = [];
    const monitor = new InboundMonitor({
      host: '127.0.0.1', port: fs.port, password: PASSWORD, logger: log.logger, retryDelayMs: () => 10,
      isScreened: (id) => {
        if (id === 'boom') throw new Error('lookup failed');
        return true;
      },
      enrich: async (id) => { enriched.push(id); },
    });
    cleanups.push(() => monitor.stop());
    monitor.start();
    await waitFor(() => monitor.status().state === 'ready' && fs.hasSubscribers);
    for (const id of ['boom', 'after']) fs.publish([['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', id], ['Hangup-Cause', 'NORMAL_CLEARING']]);
    await waitFor(() => enriched.length === 1);
    expect(enriched).toEqual(['after']);
    expect(log.warnings().map((l) => l.msg)).toEqual(['enrichment failed']);
    expect(monitor.status().state).toBe('ready');
  });
});

describe('esl.inbound.silenceTimeoutMs', () => {
  it('defaults to three 20 s heartbeats and refuses values that look like seconds', () => {
    expect(parseConfig({}).esl.inbound.silenceTimeoutMs).toBe(60_000);
    expect(DEFAULT_SILENCE_TIMEOUT_MS).toBe(60_000);
    expect(() => parseConfig({ esl: { inbound: { silenceTimeoutMs: 60 } } })).toThrow(ConfigError);
  });

  it('reaches the monitor the ESL adapter starts', async () => {
    const server = new FaultyInboundSocket('silent-after-login', { password: PASSWORD });
    await server.start();
    cleanups.push(() => server.stop());
    const config = parseConfig({
      esl: { enabled: true, listenPort: await freePort(), inbound: { enabled: true, port: server.port, password: PASSWORD, silenceTimeoutMs: 1000 } },
    });
    const log = capturingLogger();
    // No call reaches the listener here: only the monitor runs, and it never calls the screener.
    const adapter = createEslAdapter({ config, screening: {} as ScreeningService, logger: log.logger });
    await adapter.start();
    cleanups.push(() => adapter.stop());
    await waitFor(() => server.connections >= 2);
    expect(log.warnings()[0]?.reason).toMatch(/^no data for 1000 ms /);
  });
});
