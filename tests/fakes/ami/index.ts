/**
 * The AMI fake for tests: the built-in simulator (src/sim/ami) plus fault injection — connection drops,
 * refused logins, malformed packets, floods of unrelated events, an Asterisk restart (FullyBooted again),
 * slow action handling — and helpers to inspect what chut sent.
 */
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import type { AmiAdapter } from '../../../src/ami/index.js';
import { startChut, type RunningChut } from '../../../src/app.js';
import { parseConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import type { CallRecord } from '../../../src/reputation/types.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../../helpers/redis.js';
import { createAmiSimulator, serialize, header, type AmiSimulator, type AmiSimulatorOptions, type Packet } from '../../../src/sim/ami/index.js';
import { TEST_POLICY } from '../../helpers/policy.js';
import { TEST_DEADLINE_MS } from '../../helpers/test-deadline.js';

export { createAmiSimulator, header, type AmiSimulator, type AmiSimulatorOptions, type Packet };

export interface AmiFake extends AmiSimulator {
  dropConnections(): void;
  rejectLogins(reject: boolean): void;
  /** Writes packets Asterisk would never send (to every logged-in session). */
  sendMalformed(): void;
  /** Unrelated traffic: `perSecond` events of other channels (Newchannel without Hangup included). */
  startFlood(perSecond: number): void;
  stopFlood(): void;
  floodSent(): number;
  /** Closes every session and the listener, reopens on the same port after `downMs`; logins see a fresh Uptime. */
  restart(downMs: number): Promise<void>;
  /** A FullyBooted to every session without dropping it (a `core reload`). */
  fullyBooted(): void;
  delayActions(ms: number): void;
  /**
   * Drops every session right before the first event matching `match` goes out: that event, and every later one
   * until chut has logged in again, is lost to chut (as across a real AMI reconnect).
   */
  dropConnectionsBefore(match: (event: Packet) => boolean): void;
  /** Events matching `match` are never sent (null: send them all again). */
  suppressEvents(match: ((event: Packet) => boolean) | null): void;
  /** Every event reaches chut `ms` later, in order (a lagging AMI link); 0 = at once. */
  delayEvents(ms: number): void;
  /** Actions chut sent, as packets. */
  actions(): Packet[];
  actionNames(): string[];
}

const MALFORMED = [
  'this line has no colon\r\nneither: does this one?\r\n\r\n',
  'Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: ChutQuery\r\n\r\n',
  'Event: UserEvent\r\nUserEvent: ChutQuery\r\nChannel: \r\nUniqueid: ../../etc\r\nChutCaller: !!notbase64!!\r\n\r\n',
  'Event: UserEvent\r\nUserEvent: ChutCaptcha\r\nUniqueid: 1.1\r\nChutOutcome: exploded\r\n\r\n',
  'Event: Hangup\r\nUniqueid: \r\nCause: not-a-number\r\n\r\n',
  '\r\n\r\n\r\n',
  `Event: Newexten\r\nAppData: ${'x'.repeat(20_000)}\r\n\r\n`,
  'Response: Success\r\nActionID: chut-999999\r\nMessage: nobody asked\r\n\r\n',
  '\u0000\u0001\u0002binary junk\r\n\r\n',
];

function floodPacket(i: number, base: number): Packet {
  const id = `${base}.${i}`;
  const kinds = ['Newexten', 'VarSet', 'Newchannel', 'Newstate', 'Hangup'] as const;
  const kind = kinds[i % kinds.length] ?? 'Newexten';
  const privilege = kind === 'Newexten' || kind === 'VarSet' ? 'dialplan,all' : 'call,all';
  return [
    ['Event', kind], ['Privilege', privilege], ['Channel', `PJSIP/other-${i.toString(16).padStart(8, '0')}`],
    ['ChannelState', '6'], ['ChannelStateDesc', 'Up'], ['CallerIDNum', '+33100000000'], ['CallerIDName', 'Noise'],
    ['ConnectedLineNum', '<unknown>'], ['ConnectedLineName', '<unknown>'], ['Language', 'en'], ['AccountCode', ''],
    ['Context', 'from-internal'], ['Exten', '200'], ['Priority', '1'], ['Uniqueid', id], ['Linkedid', id],
    ...(kind === 'VarSet' ? [['Variable', 'NOISE'], ['Value', String(i)]] as Packet : []),
    ...(kind === 'Hangup' ? [['Cause', '16'], ['Cause-txt', 'Normal Clearing']] as Packet : []),
  ];
}

export function createAmiFake(opts: AmiSimulatorOptions = {}): AmiFake {
  const sim = createAmiSimulator(opts);
  const { server } = sim;
  let flood: NodeJS.Timeout | null = null;
  let sent = 0;
  const base = 1_700_000_000 + Math.floor(Math.random() * 1000);
  const dropBefore: Array<(event: Packet) => boolean> = [];
  let suppress: ((event: Packet) => boolean) | null = null;
  let eventDelayMs = 0;
  server.eventHook = (event, deliver) => {
    const drop = dropBefore.findIndex((match) => match(event));
    if (drop !== -1) {
      dropBefore.splice(drop, 1);
      server.dropConnections();
    }
    if (suppress?.(event)) return;
    if (eventDelayMs > 0) setTimeout(deliver, eventDelayMs);
    else deliver();
  };

  return Object.assign(sim, {
    dropConnections: () => server.dropConnections(),
    rejectLogins: (reject: boolean) => { server.rejectLogins = reject; },
    sendMalformed: () => { for (const m of MALFORMED) server.writeRaw(m); },
    startFlood(perSecond: number) {
      if (flood) clearInterval(flood);
      // Paced on the clock, not on timer counts, so the rate holds even when timers fire late.
      const start = performance.now();
      const first = sent;
      flood = setInterval(() => {
        const due = first + Math.floor(((performance.now() - start) / 1000) * perSecond);
        let chunk = '';
        while (sent < due) chunk += serialize(floodPacket(sent++, base));
        if (chunk) server.writeRaw(chunk);
      }, 5);
    },
    stopFlood() {
      if (flood) clearInterval(flood);
      flood = null;
    },
    floodSent: () => sent,
    async restart(downMs: number) {
      const port = server.port;
      await server.close();
      await new Promise((r) => setTimeout(r, downMs));
      await server.listen(port);
    },
    fullyBooted() {
      server.writeRaw(serialize([['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Uptime', '0'], ['LastReload', '0'], ['Status', 'Fully Booted']]));
    },
    delayActions: (ms: number) => { server.actionDelayMs = ms; },
    dropConnectionsBefore: (match: (event: Packet) => boolean) => { dropBefore.push(match); },
    suppressEvents: (match: ((event: Packet) => boolean) | null) => { suppress = match; },
    delayEvents: (ms: number) => { eventDelayMs = ms; },
    actions: () => server.received.map((r) => r.packet),
    actionNames: () => server.received.map((r) => (header(r.packet, 'Action') ?? '').toLowerCase()),
  });
}

export { TEST_POLICY } from '../../helpers/policy.js';

export interface AmiHarness {
  sim: AmiFake;
  chut: RunningChut;
  adapter: AmiAdapter;
  /** Every log line chut wrote (debug level and up), raw JSON text. */
  logs: string[];
  redisUrl: string;
  stop(): Promise<void>;
}

export interface AmiHarnessOptions {
  policy?: string;
  config?: Record<string, unknown>;
  sim?: AmiSimulatorOptions;
  label?: string;
  /** Do not wait for chut to log in (bad-login tests). */
  noWait?: boolean;
}

/** chut's real wiring (startChut) against the AMI fake and the real Redis, with chut's log lines captured. */
export async function startAmiHarness(o: AmiHarnessOptions = {}): Promise<AmiHarness> {
  const sim = createAmiFake(o.sim);
  await sim.start();
  const redisUrl = await testRedisUrl();
  const prefix = uniquePrefix(o.label ?? 'ami');
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const base = sim.chutConfig() as { ami: Record<string, unknown> };
  const extra = o.config ?? {};
  const config = parseConfig({
    ...base,
    store: 'redis',
    redis: { url: redisUrl, prefix },
    http: { enabled: false },
    captcha: { attempts: 2, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500, onFail: 'voicemail', onTimeout: 'reject' },
    ...extra,
    // merged, not replaced: a test giving another screening setting keeps the test deadline
    screening: { deadlineMs: TEST_DEADLINE_MS, ...(extra.screening as object | undefined) },
    ami: { ...base.ami, ...(extra.ami as Record<string, unknown> | undefined) },
  });
  const chut = await startChut({ config, policy: parsePolicy(o.policy ?? TEST_POLICY, 'test'), logger: createLogger('debug', sink), http: false });
  const adapter = chut.adapters.find((a) => a.name === 'asterisk-ami') as AmiAdapter | undefined;
  if (!adapter) throw new Error('startChut did not start the AMI adapter');
  if (!o.noWait) await sim.waitForChut();
  return {
    sim, chut, adapter, logs, redisUrl,
    async stop() {
      await chut.stop();
      await sim.stop();
      await removeKeys(redisUrl, prefix);
    },
  };
}

/** Resolves once `check()` holds, polling; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Waits for the adapter to hold nothing for any call: no dialplan call pending, no call followed by the monitor, no
 * action awaiting its answer. Each is asserted, so a leak in any of them fails the test, naming which.
 */
export async function expectNoPerCallState(adapter: AmiAdapter, timeoutMs = 5000): Promise<void> {
  const held = () => {
    const { screening, monitored, pendingActions } = adapter.stats();
    return { screening, monitored, pendingActions };
  };
  await eventually(() => Object.values(held()).every((n) => n === 0), timeoutMs, 'no per-call state').catch(() => undefined);
  expect(held()).toEqual({ screening: 0, monitored: 0, pendingActions: 0 });
}

/** The call record chut stored for `callId`, waited for (records are written at hang-up). */
export async function recordOf(h: AmiHarness, callId: string, timeoutMs = 10_000): Promise<CallRecord> {
  let found: CallRecord | undefined;
  await eventually(async () => {
    found = (await h.chut.store.calls({ limit: 500 })).calls.find((c) => c.callId === callId);
    return found !== undefined;
  }, timeoutMs, `the call record of ${callId}`);
  return found as CallRecord;
}
