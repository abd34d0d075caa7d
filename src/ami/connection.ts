/**
 * The AMI connection's lifecycle (see README.md); client.ts does the socket, the bounded packet reading and the
 * action writing (it replaced asterisk-manager, whose reader a malformed packet could crash or freeze):
 *  - a FRESH client per connection attempt (no half packet survives a reconnect, nothing is queued before login),
 *  - capped exponential backoff with jitter, started over only once a session has stayed logged in for
 *    STABLE_CONNECTION_MS (as the ARI connection does): a peer that accepts the login then drops the socket gets
 *    ever longer waits, not a reconnect and a login every few hundred milliseconds,
 *  - actions while not ready are REJECTED at once, never queued: a Setvar replayed a minute later would
 *    reach a channel that has moved on; the dialplan's own wait ends in ring (fail-open),
 *  - every action has a timeout (the package never calls back when a write fails),
 *  - events are (re)subscribed with `Events: on` after every login and every FullyBooted (Asterisk restart),
 *  - a Ping keepalive detects half-open connections.
 * ActionIDs carry a random per-connection prefix, so nothing else on the link (a UserEvent's body) can guess them.
 * Credentials are only ever written to the socket, never logged.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AmiClient, type AmiPacket } from './client.js';
import type { Logger } from '../logger.js';
import type { ConnectionStatus } from '../screening/types.js';
import { defaultRetryStrategy, STABLE_CONNECTION_MS, type RetryStrategy } from '../retry.js';

export { defaultRetryStrategy, type RetryStrategy };
import { toAmiEvent, type AmiEvent } from './events.js';
import { checkAction, credential, type AmiAction } from './values.js';

export interface AmiConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  logger: Logger;
  retryStrategy?: RetryStrategy;
  actionTimeoutMs?: number;
  /** Connect + login must finish within this. */
  loginTimeoutMs?: number;
  pingIntervalMs?: number;
  /** A session logged in for this long resets the reconnect backoff (default STABLE_CONNECTION_MS; tests). */
  stableConnectionMs?: number;
}

export class AmiNotReadyError extends Error {
  override readonly name = 'AmiNotReadyError';
  constructor() { super('AMI connection not ready'); }
}

export class AmiActionError extends Error {
  override readonly name = 'AmiActionError';
  constructor(readonly action: string, message: string) { super(`${action}: ${message}`); }
}

export interface AmiConnection extends EventEmitter<{ status: [ConnectionStatus]; event: [AmiEvent]; ready: [] }> {
  status(): ConnectionStatus;
  start(): void;
  stop(): Promise<void>;
  /** Sends one validated action; rejects at once when not ready, or on Error / timeout. */
  send(action: AmiAction): Promise<AmiPacket>;
  /** Packets parsed since start (all, including the unrelated ones), for stats and tests. */
  readonly counters: { packets: number; pending: () => number };
}

export function createAmiConnection(opts: AmiConnectionOptions): AmiConnection {
  const emitter = new EventEmitter() as AmiConnection;
  const retry = opts.retryStrategy ?? defaultRetryStrategy();
  const actionTimeoutMs = opts.actionTimeoutMs ?? 2000;
  /** Housekeeping (Events, Ping) gets a long timeout: a busy Asterisk is not a dead one. */
  const slowMs = Math.max(actionTimeoutMs, 10_000);
  const log = opts.logger.child({ component: 'ami', host: opts.host, port: opts.port, user: opts.user });
  credential('Username', opts.user);
  credential('Secret', opts.password);
  let current: ConnectionStatus = { state: 'closed', since: Date.now() };
  let manager: AmiClient | null = null;
  let ready = false;
  let stopped = true;
  let attempt = 0;
  /** When the current session logged in (null: not logged in), for the backoff reset. */
  let loggedInAt: number | null = null;
  let seq = 0;
  const idPrefix = `chut-${randomBytes(6).toString('hex')}-`;
  const stableMs = opts.stableConnectionMs ?? STABLE_CONNECTION_MS;
  let retryTimer: NodeJS.Timeout | null = null;
  let loginTimer: NodeJS.Timeout | null = null;
  let pingTimer: NodeJS.Timeout | null = null;
  /** Actions waiting for their answer: id → fail it now (the connection is gone). */
  const pending = new Map<string, (err: Error) => void>();
  const counters = { packets: 0, pending: () => pending.size };

  function setStatus(s: ConnectionStatus): void {
    current = s;
    emitter.emit('status', s);
  }

  function clearTimers(): void {
    if (loginTimer) clearTimeout(loginTimer);
    if (pingTimer) clearInterval(pingTimer);
    loginTimer = pingTimer = null;
  }

  function drop(m: AmiClient): void {
    m.removeAllListeners();
    m.on('error', () => undefined); // the socket may still report its end
    m.disconnect();
  }

  function lost(m: AmiClient, reason: string): void {
    if (m !== manager) return;
    manager = null;
    ready = false;
    // the backoff starts over only after a session that proved itself, not after every accepted login
    if (loggedInAt !== null && Date.now() - loggedInAt >= stableMs) attempt = 0;
    loggedInAt = null;
    clearTimers();
    drop(m);
    failPending();
    if (stopped) return;
    attempt += 1;
    const wait = retry(attempt);
    if (wait === null) {
      log.error({ attempt, reason }, 'AMI: giving up reconnecting');
      setStatus({ state: 'closed', since: Date.now() });
      return;
    }
    log.warn({ attempt, inMs: wait, reason }, 'AMI: connection lost, reconnecting (calls ring meanwhile: fail-open)');
    setStatus({ state: 'reconnecting', since: Date.now(), attempt, lastError: reason });
    retryTimer = setTimeout(() => { retryTimer = null; connect(); }, wait);
  }

  function failPending(): void {
    const waiting = [...pending.values()];
    pending.clear();
    for (const fail of waiting) fail(new AmiNotReadyError());
  }

  function onPacket(m: AmiClient, p: AmiPacket): void {
    if (m !== manager) return;
    counters.packets += 1;
    // This runs inside the socket's data handler: nothing thrown here may escape (it would end the process).
    try {
      const ev = toAmiEvent(p);
      if (!ev) return;
      if (ev.type === 'fully-booted' && ready) subscribe(m, 'FullyBooted');
      emitter.emit('event', ev);
    } catch (err) {
      log.warn({ err: String(err) }, 'AMI: packet handling failed, packet dropped');
    }
  }

  function subscribe(m: AmiClient, why: string): void {
    sendOn(m, { action: 'Events', eventmask: 'on' }, slowMs).then(
      () => log.debug({ why }, 'AMI: events subscribed'),
      (err: unknown) => lost(m, `event subscription failed: ${String(err)}`),
    );
  }

  function onLoggedIn(m: AmiClient): void {
    if (loginTimer) clearTimeout(loginTimer);
    loginTimer = null;
    ready = true;
    loggedInAt = Date.now();
    log.info('AMI: logged in');
    setStatus({ state: 'ready', since: Date.now() });
    subscribe(m, 'login');
    pingTimer = setInterval(() => {
      sendOn(m, { action: 'Ping' }, slowMs).catch((err: unknown) => lost(m, `keepalive failed: ${String(err)}`));
    }, opts.pingIntervalMs ?? 15_000);
    pingTimer.unref();
    emitter.emit('ready');
  }

  function onLoginFailed(m: AmiClient, err: AmiPacket | Error | undefined): void {
    const message = err instanceof Error ? err.message : String(err?.message ?? 'rejected');
    log.error({ reason: message }, 'AMI: login rejected: check ami.user and ami.password (and manager.conf permit/deny)');
    lost(m, `login failed: ${message}`);
  }

  function connect(): void {
    if (stopped) return;
    if (current.state !== 'reconnecting') setStatus({ state: 'connecting', since: Date.now() });
    const m = new AmiClient();
    manager = m;
    loggedInAt = null;
    m.on('managerevent', (p: AmiPacket) => onPacket(m, p));
    let socketError = '';
    m.on('error', (err: Error) => {
      socketError = err.message;
      log.debug({ err: err.message }, 'AMI: socket error');
    });
    m.on('close', () => lost(m, socketError || (ready ? 'connection closed' : 'connection closed before login')));
    loginTimer = setTimeout(() => lost(m, 'connect/login timed out'), opts.loginTimeoutMs ?? 5000);
    m.connect(opts.port, opts.host, () => {
      if (m !== manager) return;
      seq += 1;
      // the Secret travels to the socket only; a refused login answers Response: Error
      m.action({ action: 'Login', username: opts.user, secret: opts.password, events: 'on' }, `${idPrefix}${seq}`, (err) => (err ? onLoginFailed(m, err) : onLoggedIn(m)));
    });
  }

  function sendOn(m: AmiClient, action: AmiAction, timeoutMs = actionTimeoutMs): Promise<AmiPacket> {
    if (!ready || m !== manager) return Promise.reject(new AmiNotReadyError());
    const checked = checkAction(action);
    seq += 1;
    const id = `${idPrefix}${seq}`;
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        clearTimeout(timer);
        pending.delete(id);
        m.forget(id);
        reject(err);
      };
      const timer = setTimeout(() => fail(new AmiActionError(checked.action ?? '?', `no answer within ${timeoutMs} ms`)), timeoutMs);
      pending.set(id, fail);
      try {
        m.action(checked, id, (err, res) => {
          clearTimeout(timer);
          pending.delete(id);
          if (err) reject(new AmiActionError(checked.action ?? '?', String(err.message ?? 'error')));
          else resolve(res);
        });
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  emitter.status = () => current;
  Object.defineProperty(emitter, 'counters', { value: counters });
  emitter.start = () => {
    if (!stopped) return;
    stopped = false;
    log.info('AMI: connecting');
    connect();
  };
  emitter.send = (action) => (manager ? sendOn(manager, action) : Promise.reject(new AmiNotReadyError()));
  emitter.stop = async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    const m = manager;
    if (m && ready) await sendOn(m, { action: 'Logoff' }).catch(() => undefined);
    manager = null;
    ready = false;
    loggedInAt = null;
    attempt = 0;
    clearTimers();
    if (m) drop(m);
    failPending();
    setStatus({ state: 'closed', since: Date.now() });
  };
  return emitter;
}
