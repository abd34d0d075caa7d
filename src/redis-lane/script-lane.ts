/**
 * The call path's lane to Redis: the two scripts every screened call runs (the lookup and the post-call record) sent on
 * a connection of their own, written and read by chut (resp2.ts) instead of ioredis. Measured with 50 calls in progress
 * (docs/benchmarks.md, twenty-third session): ioredis spends ~55 µs of Node's CPU per call building, timing and
 * tracing those two commands, this lane ~17 µs, and the calls over 1 ms halve.
 *
 * The lane only follows the ioredis client, never leads: it connects where the client's connection goes once that one
 * is ready (so after a Sentinel failover or a reconnect it follows the client to the new master), with the client's
 * credentials and database, and closes when the client's connection closes. Whenever the lane is not connected, and
 * when Redis no longer holds a script (NOSCRIPT after a restart or `SCRIPT FLUSH`), the command goes through the client
 * as before. A TLS connection (`rediss://`) is left to the client. Replies, errors and timeouts reach the caller as
 * ioredis gives them (a ReplyError, `Command timed out`, `Socket timeout…`, `Connection is closed.`): the store reads
 * them the same way whichever way a command went.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { errorLine } from '../redis-errors.js';
import { backoffDelay, STABLE_CONNECTION_MS } from '../retry.js';
import { encodeCommand, readReply, RespProtocolError } from './resp2.js';

export interface LaneScript {
  /** The script's SHA1, as EVALSHA takes it. */
  readonly sha: string;
  readonly numberOfKeys: number;
  /** The same script through the client (ioredis sends it, and loads it again on NOSCRIPT). */
  readonly viaClient: (...args: Array<string | number>) => Promise<unknown>;
}

export interface LaneTimeouts {
  /** A command unanswered this long is rejected (`Command timed out`), as ioredis's commandTimeout. */
  commandMs: number;
  /** No byte from Redis this long while commands wait: the connection is dead, and dropped (`Socket timeout…`). */
  socketMs: number;
  /** Told when Redis refuses the lane's handshake while the client is in (a connection limit, an ACL): the calls are
   * screened through the client, only slower, and an operator can tell why. */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  sentAt: number;
  /** Answered already (timed out): its reply, when it comes, is read and dropped. */
  settled: boolean;
}

type LaneState = 'off' | 'connecting' | 'ready' | 'closed';

/** ioredis's words for a command whose connection closed (redis-errors.ts knows them). */
const CONNECTION_CLOSED = 'Connection is closed.';
/** Not a bound on replies: a buffer this large, unread, means the stream is not RESP. */
const MAX_UNREAD_BYTES = 4 << 20;

/** Milliseconds on a clock that only goes forward: the bounds are lengths of time, and the wall clock can step back
 * (NTP, a VM restored) and held a command for as long as it stepped, or forward and timed out commands just sent.
 * ioredis's bounds are timers of their own, which do not read the wall clock either. */
function monotonicMs(): number {
  return performance.now();
}

export class ScriptLane {
  private state: LaneState = 'off';
  private socket: Socket | null = null;
  private readonly pending: Pending[] = [];
  private unread: Buffer | null = null;
  private lastByteAt = 0;
  private watchdog: NodeJS.Timeout | null = null;
  /** When the watchdog is due (monotonicMs): a command whose bound comes sooner sets it again. */
  private watchdogDue = Infinity;
  private retry: NodeJS.Timeout | null = null;
  private failedAttempts = 0;
  /** Redis refused the handshake and the log said so: said once, until the lane connects again. */
  private refusalLogged = false;
  /** When the lane last became ready: a connection that lasted starts the backoff afresh when it fails. */
  private readyAt = 0;
  private readonly follow = {
    ready: () => { this.failedAttempts = 0; this.open(); },
    close: () => { this.drop(new Error(CONNECTION_CLOSED)); },
  };

  constructor(private readonly client: Redis, private readonly timeouts: LaneTimeouts) {
    client.on('ready', this.follow.ready);
    client.on('close', this.follow.close);
    client.on('end', this.follow.close);
    if (client.status === 'ready') this.open();
  }

  /** Whether commands go on the lane now (tests and the benchmark read it). */
  get connected(): boolean {
    return this.state === 'ready';
  }

  /** EVALSHA of `script` with its keys and arguments: on the lane when it is connected, else through the client. */
  run(script: LaneScript, args: Array<string | number>): Promise<unknown> {
    if (this.state !== 'ready') return script.viaClient(...args);
    return this.send(['EVALSHA', script.sha, script.numberOfKeys, ...args]).catch((err: unknown) => {
      if (err instanceof Error && /^NOSCRIPT\b/.test(err.message)) return script.viaClient(...args);
      throw err;
    });
  }

  /** For good: the client's own closing is followed already; this is for a store that stops using the client. */
  close(): void {
    this.client.off('ready', this.follow.ready);
    this.client.off('close', this.follow.close);
    this.client.off('end', this.follow.close);
    this.drop(new Error(CONNECTION_CLOSED));
    this.state = 'closed';
  }

  private send(args: Array<string | number>): Promise<unknown> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error(CONNECTION_CLOSED));
    return new Promise((resolve, reject) => {
      // written before it waits for a reply: a command that cannot be written (it throws) must not take the next one's
      const bytes = encodeCommand(args);
      const now = monotonicMs();
      if (this.pending.length === 0) this.lastByteAt = now; // silence counts from the first command waiting
      this.pending.push({ resolve, reject, sentAt: now, settled: false });
      socket.write(bytes);
      this.watch(now + this.timeouts.commandMs);
    });
  }

  /** Connects where the client's connection goes, with its credentials and database. */
  private open(): void {
    if (this.state !== 'off' || this.client.status !== 'ready') return;
    const options = this.client.options;
    const stream = (this.client as unknown as { stream?: Socket }).stream;
    if (options.tls) return; // left to the client (the lane speaks plain TCP)
    const path = typeof options.path === 'string' && options.path !== '' ? options.path : null;
    const host = stream?.remoteAddress;
    const port = stream?.remotePort;
    if (path === null && (host === undefined || port === undefined)) return;
    const socket = path !== null ? connect(path) : connect(port as number, host);
    socket.setNoDelay(true);
    this.socket = socket;
    this.state = 'connecting';
    const connectTimer = setTimeout(() => socket.destroy(new Error('connect ETIMEDOUT')), options.connectTimeout ?? 10_000);
    socket.on('data', (chunk: Buffer) => this.read(socket, chunk));
    socket.on('error', () => { /* the close that follows drops the lane */ });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket === socket) this.fail(new Error(CONNECTION_CLOSED));
    });
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      // ready once Redis answered (PING: an address that accepts connections may be a stopped server)
      const handshake: Array<Promise<unknown>> = [];
      // as ioredis logs in (HELLO 3 AUTH <user> <password>): a user given without a password is still that user (one
      // with `nopass`), not `default`; a password alone is the default user's, which a Redis without one lets in
      // (`AUTH <password>` alone it refuses there, and the lane never came up)
      if (options.username || options.password) handshake.push(this.send(['AUTH', options.username || 'default', options.password ?? '']));
      if (options.db) handshake.push(this.send(['SELECT', options.db]));
      handshake.push(this.send(['PING']));
      Promise.all(handshake).then(() => {
        if (this.socket !== socket || this.state !== 'connecting') return;
        this.state = 'ready';
        this.readyAt = monotonicMs();
        if (this.refusalLogged) this.timeouts.logger?.info('the call path\'s lane to Redis is connected again');
        this.refusalLogged = false;
      }, (err: unknown) => {
        if (this.socket !== socket) return;
        // Redis's own words (a refused login names no password): once, not at every retry
        if (!this.refusalLogged && err instanceof Error && err.name === 'ReplyError') {
          this.refusalLogged = true;
          this.timeouts.logger?.warn({ err: errorLine(err) }, 'Redis refused the call path\'s own connection (its lane): calls are screened ' +
            'through the main connection, with more CPU per call, until it is let in');
        }
        socket.destroy(); // refused: the client's commands go on alone
      });
    });
  }

  /** The lane's connection failed (closed under it, refused its login, went silent, sent what is not RESP): commands
   * go through the client, and the lane tries again while that one is ready (after 1 s, doubling up to a minute: a
   * Redis that refuses the lane alone is not asked in a loop). */
  private fail(err: Error): void {
    this.drop(err);
    if (this.state === 'closed' || this.client.status !== 'ready') return;
    if (this.readyAt > 0 && monotonicMs() - this.readyAt >= STABLE_CONNECTION_MS) this.failedAttempts = 0;
    this.readyAt = 0;
    this.failedAttempts++;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.open();
    }, backoffDelay(this.failedAttempts, 1000, 60_000));
    this.retry.unref();
  }

  /** Closes the connection, if any, and fails what waits on it with `err`. */
  private drop(err: Error): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.watchdogDue = Infinity;
    const socket = this.socket;
    this.socket = null;
    this.unread = null;
    if (this.state !== 'closed') this.state = 'off';
    socket?.destroy();
    for (const p of this.pending.splice(0)) if (!p.settled) p.reject(err);
  }

  private read(socket: Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    this.lastByteAt = monotonicMs();
    let buf = this.unread ? Buffer.concat([this.unread, chunk]) : chunk;
    let at = 0;
    try {
      for (;;) {
        const reply = readReply(buf, at);
        if (!reply) break;
        at = reply.end;
        const p = this.pending.shift();
        if (!p) throw new RespProtocolError('a reply to no command');
        if (p.settled) continue;
        if (reply.value instanceof Error) p.reject(reply.value);
        else p.resolve(reply.value);
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new RespProtocolError(String(err)));
      return;
    }
    buf = at < buf.length ? buf.subarray(at) : Buffer.alloc(0);
    this.unread = buf.length > 0 ? buf : null;
    if (buf.length > MAX_UNREAD_BYTES) return this.fail(new RespProtocolError('an unread reply larger than 4 MiB'));
    this.watch();
  }

  /**
   * One timer for all the commands waiting, due at the oldest one's deadline or at the connection's silence bound. It
   * is left to run out when the queue empties (rather than cleared and set again for every command), and does not by
   * itself keep the process alive: a waiting command's socket does. A command just sent (`soonest`: its deadline) sets
   * it again when it is due later: while only timed-out commands wait, it is at the silence bound, and the new command
   * has its own bound. (Replies only move the due time later: the timer that runs is early enough.)
   */
  private watch(soonest = Infinity): void {
    if (this.pending.length === 0) return;
    if (this.watchdog) {
      if (this.watchdogDue <= soonest) return;
      clearTimeout(this.watchdog);
    }
    const oldest = this.pending.find((p) => !p.settled);
    const due = Math.min(oldest ? oldest.sentAt + this.timeouts.commandMs : Infinity, this.lastByteAt + this.timeouts.socketMs);
    this.watchdogDue = due;
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      this.watchdogDue = Infinity;
      this.expire();
    }, Math.max(0, due - monotonicMs()));
    this.watchdog.unref();
  }

  private expire(): void {
    const now = monotonicMs();
    if (this.pending.length > 0 && now - this.lastByteAt >= this.timeouts.socketMs) {
      return this.fail(new Error(`Socket timeout. Expecting data, but didn't receive any in ${this.timeouts.socketMs}ms.`));
    }
    for (const p of this.pending) {
      if (p.settled) continue;
      if (now - p.sentAt < this.timeouts.commandMs) break; // sent in order: the rest are younger
      p.settled = true;
      p.reject(new Error('Command timed out'));
    }
    this.watch();
  }
}
