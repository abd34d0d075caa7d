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
}

export interface AriEventsConnection extends EventEmitter<{
  status: [ConnectionStatus];
  frame: [string];
}> {
  status(): ConnectionStatus;
  start(): void;
  stop(): Promise<void>;
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
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) emitter.emit('frame', data.toString());
    });
    ws.on('unexpected-response', (_req, res) => {
      failure = `HTTP ${res.statusCode ?? '?'} on upgrade${res.statusCode === 401 ? ' (check ari.user / ari.password)' : ''}`;
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => { if (failure === 'closed') failure = err.message; });
    ws.on('close', (code) => {
      clearPings();
      if (socket === ws) socket = null;
      if (stopped) return;
      // the backoff starts over only once a connection has proved itself: a peer that accepts, then breaks every
      // connection (an oversized frame each time) must not get a reconnect every few hundred milliseconds
      if (openedAt !== null && Date.now() - openedAt >= STABLE_CONNECTION_MS) attempt = 0;
      scheduleReconnect(failure === 'closed' ? `closed (code ${code})` : failure);
    });
  }

  emitter.status = () => current;
  emitter.start = () => {
    if (!stopped) return;
    stopped = false;
    connect();
  };
  emitter.stop = async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
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
