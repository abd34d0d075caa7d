/**
 * The outbound Event Socket listener: FreeSWITCH's `socket` app connects here once per call. Connections
 * chut cannot serve (stopping, over the concurrency limit) still get `connect` and are then closed, so the
 * dialplan continues: accepting and closing without `connect` would leave the caller in dead air. So do connections
 * from an address esl.allowFrom does not list, unread: anyone reaching the port could otherwise fake calls (and `*77`
 * reports of real numbers).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { peerAllowList, type PeerCheck } from '../peer-allow-list.js';
import { EslConnection } from './connection.js';
import { MAX_CALL_FRAME_BYTES } from './frame.js';
import { RefusedPeerWarnings } from './refused-peers.js';
import { refuseConnection, refusePeer, runSession, type SessionDeps } from './session.js';
import { UnscreenedCallWarnings, type TurnedAway } from './unscreened-warnings.js';

export interface OutboundServerOptions extends SessionDeps {
  host: string;
  port: number;
  /** Calls screened at once (default MAX_CONCURRENT); more are let through to ring. */
  maxConcurrent?: number;
  /** How long stop() waits for live calls before ending their sockets (they then ring). */
  stopGraceMs?: number;
  /** Addresses and ranges that may connect (esl.allowFrom); anyone else is refused unheard. */
  allowFrom: readonly string[];
  /** A connection was refused by allowFrom (metrics). */
  onPeerRefused?(): void;
  /** A call was let through to ring unscreened: `maxConcurrent` calls were being screened, or chut was stopping
   * (metrics: the log line alone does not add up). */
  onCallUnscreened?(reason: TurnedAway): void;
}

/** Calls screened at once by default. */
const MAX_CONCURRENT = 2000;

/** After stop() ended the remaining calls, how long it waits for their sessions to write their records. */
const STOP_SETTLE_MS = 500;
/** Refused connections waiting for their peer to close (at most 2 s each): past this, a flood's are cut at once, so it
 * holds a bounded number of sockets (the dead air that leaves is the flooder's own). */
const MAX_REFUSED_OPEN = 256;

export class OutboundServer {
  private server: Server | null = null;
  private readonly live = new Set<EslConnection>();
  private readonly sessions = new Set<Promise<void>>();
  private stopping = false;
  private readonly allowed: PeerCheck;
  private readonly refusedPeers: RefusedPeerWarnings;
  private refusedOpen = 0;
  private readonly maxConcurrent: number;
  private readonly unscreenedWarnings: UnscreenedCallWarnings;

  constructor(private readonly opts: OutboundServerOptions) {
    this.allowed = peerAllowList(opts.allowFrom);
    this.refusedPeers = new RefusedPeerWarnings(opts.logger);
    this.maxConcurrent = opts.maxConcurrent ?? MAX_CONCURRENT;
    // at once, then at most once a minute with how many (the metrics count each one)
    this.unscreenedWarnings = new UnscreenedCallWarnings(opts.logger, this.maxConcurrent);
  }

  get activeCalls(): number {
    return this.live.size;
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    // No `maxConnections`: Node would close surplus connections without a word, which leaves the caller in
    // dead air. Surplus calls get `connect` and a close instead (accept()).
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.logger.error({ err }, 'ESL listener error'));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.opts.port;
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    if (!this.allowed(socket.remoteAddress)) return this.refuse(socket);
    if (this.stopping || this.live.size >= this.maxConcurrent) {
      const reason: TurnedAway = this.stopping ? 'stopping' : 'max-calls';
      this.unscreenedWarnings.turnedAway(reason);
      this.opts.onCallUnscreened?.(reason);
      refuseConnection(socket);
      return;
    }
    const conn = new EslConnection(socket, {}, MAX_CALL_FRAME_BYTES);
    this.live.add(conn);
    // Counted until the socket closes, not until the screener returns: a stuck screener must not hold
    // a slot once its call has rung.
    socket.once('close', () => this.live.delete(conn));
    const session = runSession(conn, this.opts)
      .catch((err: unknown) => this.opts.logger.error({ err }, 'ESL session crashed'))
      .finally(() => this.sessions.delete(session));
    this.sessions.add(session);
  }

  /** Before anything is read: the peer's bytes never reach the parser or the screener. */
  private refuse(socket: Socket): void {
    this.opts.onPeerRefused?.();
    const address = socket.remoteAddress;
    if (address === undefined) return void socket.destroy(); // already gone
    this.refusedPeers.note(address);
    if (this.refusedOpen >= MAX_REFUSED_OPEN) return void socket.destroy();
    this.refusedOpen++;
    socket.once('close', () => this.refusedOpen--);
    refusePeer(socket);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const server = this.server;
    // close() stops accepting at once (new calls get "connection refused" and ring); its callback only
    // fires once every connection ended, so it is awaited last.
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.opts.stopGraceMs ?? 2000).unref());
    await Promise.race([Promise.all([...this.sessions]), grace]);
    // Calls still screening now ring: ending the socket makes the dialplan continue. chut ends them itself (closed as
    // chut's own, before the socket goes), so no session reads this as the caller hanging up: no captcha outcome.
    for (const conn of this.live) {
      conn.close('chut stopping');
      conn.socket.destroy();
    }
    // A moment for those sessions to record the ring (the store is closed after the adapters).
    const settle = new Promise<void>((resolve) => setTimeout(resolve, STOP_SETTLE_MS).unref());
    await Promise.race([Promise.all([...this.sessions]), settle]);
    await closed;
  }
}
