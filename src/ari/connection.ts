/**
 * The event half of our ARI client: one WebSocket to `/ari/events?app=<app>&subscribeAll=false`, which is
 * what registers the Stasis app with Asterisk. Owns the connection lifecycle (a `ConnectionStatus` with
 * events), reconnects with capped, jittered exponential backoff (the app is re-registered by every new
 * connection, including after an Asterisk restart), and detects dead peers with pings.
 * Credentials travel in the Authorization header only, so the URL we log carries none.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from '../logger.js';
import type { ConnectionStatus } from '../screening/types.js';
import { MAX_FRAME } from './events.js';
import { defaultRetryStrategy, STABLE_CONNECTION_MS, type RetryStrategy } from '../retry.js';

export { defaultRetryStrategy, type RetryStrategy };


export interface AriEventsOptions {
  baseUrl: string;
  authHeader: string;
  app: string;
  logger: Logger;
  retryStrategy?: RetryStrategy;
  /** Ping period; a peer that misses one whole period is considered dead. */
  pingIntervalMs?: number;
  /** Time allowed for the upgrade handshake. */
  handshakeTimeoutMs?: number;
  /** Asks Asterisk whether the app is registered (`GET /applications/{app}`): true (200), false (404), null (no
   * answer). Without it, the registration is never checked. */
  appRegistered?: () => Promise<boolean | null>;
  /** How often the registration is checked: while connected (an app Asterisk dropped behind our back) and while
   * standing by after another connection took the app over (default 10 s). */
  appCheckMs?: number;
}

export interface AriEventsConnection extends EventEmitter<{
  status: [ConnectionStatus];
  frame: [string];
}> {
  status(): ConnectionStatus;
  start(): void;
  stop(): Promise<void>;
  /** Asterisk said (ApplicationReplaced) that another WebSocket registered our app: from now on it gets every event.
   * The connection stands by (not ready) until the app is free again, then registers it anew. */
  replaced(): void;
}

export function createAriEvents(opts: AriEventsOptions): AriEventsConnection {
  const emitter = new EventEmitter() as AriEventsConnection;
  const retry = opts.retryStrategy ?? defaultRetryStrategy();
  const pingEvery = opts.pingIntervalMs ?? 10_000;
  const wsUrl = `${opts.baseUrl.replace(/^http/, 'ws')}/events?app=${encodeURIComponent(opts.app)}&subscribeAll=false`;
  let current: ConnectionStatus = { state: 'closed', since: Date.now() };
  let socket: WebSocket | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let pingTimer: NodeJS.Timeout | null = null;
  let attempt = 0;
  let everConnected = false;
  let stopped = true;
  /** Replaced by another connection: no reconnect until Asterisk no longer has the app. */
  let standby = false;
  let checkTimer: NodeJS.Timeout | null = null;
  const checkEvery = opts.appCheckMs ?? 10_000;

  function setStatus(s: ConnectionStatus): void {
    current = s;
    emitter.emit('status', s);
  }

  function scheduleReconnect(reason: string): void {
    if (stopped || retryTimer) return;
    attempt += 1;
    const wait = retry(attempt);
    if (wait === null) {
      opts.logger.error({ attempt, reason }, 'ARI: giving up reconnecting');
      setStatus({ state: 'closed', since: Date.now() });
      return;
    }
    setStatus({ state: 'reconnecting', since: Date.now(), attempt, lastError: reason });
    // "lost" only for a connection that existed: a first connection refused is a setup problem, said as such
    opts.logger.warn({ attempt, inMs: wait, reason },
      everConnected ? 'ARI: events connection lost, reconnecting' : 'ARI: cannot reach Asterisk yet (check ari.url, user and password), retrying');
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, wait);
  }

  function startPings(ws: WebSocket): void {
    let alive = true;
    ws.on('pong', () => { alive = true; });
    pingTimer = setInterval(() => {
      if (!alive) {
        opts.logger.warn('ARI: no pong from Asterisk, dropping the connection');
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, pingEvery);
  }

  function clearPings(): void {
    if (pingTimer) clearInterval(pingTimer);
    pingTimer = null;
  }

  function scheduleCheck(): void {
    if (!opts.appRegistered || stopped || checkTimer) return;
    checkTimer = setTimeout(() => { checkTimer = null; void checkApp(); }, checkEvery);
  }

  /**
   * Asterisk keeps one handler per app name. While connected, an app it no longer has (unregistered behind our back)
   * means no StasisStart will ever reach us although the socket is fine: reconnect, which registers it again. While
   * standing by, a 404 means the connection that took the app over is gone, and Asterisk 22 unregistered the app
   * with it (ari_websockets.c: closing a WebSocket unregisters its apps): every Stasis(app) fails and calls ring
   * unscreened until someone registers it, so we do. A 200 while standing by is the other connection: we wait.
   */
  async function checkApp(): Promise<void> {
    const asked = socket;
    const registered = await opts.appRegistered?.().catch(() => null) ?? null;
    if (stopped) return;
    if (standby) {
      if (registered === false) {
        standby = false;
        opts.logger.warn({ app: opts.app }, 'ARI: the connection that took our Stasis app over is gone and Asterisk dropped the app: registering it again');
        connect();
        return;
      }
    } else if (registered === false && asked && socket === asked && current.state === 'ready') {
      opts.logger.error({ app: opts.app }, 'ARI: Asterisk no longer has our Stasis app registered although the events connection is open: reconnecting to register it again');
      asked.terminate();
      return;
    }
    // a connection that broke checks again once it is back (its `open`)
    if (standby || current.state === 'ready') scheduleCheck();
  }

  function goStandby(): void {
    if (stopped || standby) return;
    standby = true;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    opts.logger.error({ app: opts.app },
      'ARI: another connection registered our Stasis app (ApplicationReplaced): Asterisk sends it every call now, so this chut screens nothing. Two chut instances (or another ARI client) share ari.app: give each its own. Standing by until the app is free again');
    setStatus({ state: 'reconnecting', since: Date.now(), attempt: 0, lastError: `ARI app '${opts.app}' taken over by another connection` });
    clearPings();
    const ws = socket;
    socket = null;
    // the app is no longer this socket's (Asterisk removed it from the session's apps), so closing it unregisters nothing;
    // dropped at once, not by a close handshake Asterisk may take 30 s to answer (its late `close` is ignored anyway)
    if (ws) ws.terminate();
    if (checkTimer) clearTimeout(checkTimer);
    checkTimer = null;
    scheduleCheck();
  }

  function connect(): void {
    if (stopped) return;
    if (current.state === 'closed') setStatus({ state: 'connecting', since: Date.now() });
    opts.logger.debug({ url: wsUrl }, 'ARI: connecting events WebSocket');
    const ws = new WebSocket(wsUrl, {
      headers: { authorization: opts.authHeader }, handshakeTimeout: opts.handshakeTimeoutMs ?? 5000,
      // ws buffers up to 100 MiB per message by default; frames past MAX_FRAME are dropped unread anyway, and one
      // far past it ends the connection (chut reconnects) instead of being held in memory
      maxPayload: 4 * MAX_FRAME,
    });
    socket = ws;
    let failure = 'closed';
    let openedAt: number | null = null;
    ws.on('open', () => {
      openedAt = Date.now();
      everConnected = true;
      opts.logger.info({ url: wsUrl, app: opts.app }, 'ARI: connected, Stasis app registered');
      setStatus({ state: 'ready', since: Date.now() });
      startPings(ws);
      scheduleCheck();
    });
    ws.on('message', (data, isBinary) => {
      // a socket already let go (standby) speaks for nobody: its ApplicationReplaced would make chut replace itself
      if (!isBinary && socket === ws) emitter.emit('frame', data.toString());
    });
    ws.on('unexpected-response', (_req, res) => {
      failure = `HTTP ${res.statusCode ?? '?'} on upgrade${res.statusCode === 401 ? ' (check ari.user / ari.password)' : ''}`;
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => { if (failure === 'closed') failure = err.message; });
    ws.on('close', (code) => {
      // only the current socket's close matters: a socket let go earlier (standby) closing late, after chut took the
      // app back on a new one, must not stop that one's pings nor start another connection (chut would replace itself)
      if (socket !== ws) return;
      socket = null;
      clearPings();
      if (stopped || standby) return;
      // the backoff starts over only once a connection has proved itself: a peer that accepts, then breaks every
      // connection (an oversized frame each time) must not get a reconnect every few hundred milliseconds
      if (openedAt !== null && Date.now() - openedAt >= STABLE_CONNECTION_MS) attempt = 0;
      scheduleReconnect(failure === 'closed' ? `closed (code ${code})` : failure);
    });
  }

  emitter.status = () => current;
  emitter.replaced = goStandby;
  emitter.start = () => {
    if (!stopped) return;
    stopped = false;
    connect();
  };
  emitter.stop = async () => {
    stopped = true;
    standby = false;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    if (checkTimer) clearTimeout(checkTimer);
    checkTimer = null;
    clearPings();
    const ws = socket;
    socket = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { ws.terminate(); resolve(); }, 1000);
        ws.once('close', () => { clearTimeout(t); resolve(); });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close();
      });
    }
    setStatus({ state: 'closed', since: Date.now() });
  };
  return emitter;
}
