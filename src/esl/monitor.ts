/**
 * Optional inbound Event Socket client for monitoring: authenticates, subscribes to CHANNEL_ANSWER and
 * CHANNEL_HANGUP_COMPLETE and enriches the records of the calls chut screened (whether someone picked up, who, the
 * talk time, the cause: see pickup.ts and enrichmentFrom). Reconnects with capped, jittered backoff; its status feeds
 * /healthz. Monitoring never affects how calls are routed.
 *
 * A connection that stops talking must not stop enrichment silently: the login (TCP connect, FreeSWITCH's
 * `auth/request`, the replies to `auth` and to the subscription) has a deadline, and once logged in the monitor
 * also subscribes to HEARTBEAT (sent every 20 s by default) and treats a connection that brings no complete frame for
 * three heartbeats as dead (FreeSWITCH rebooted, a NAT or firewall dropped the flow) or out of step (bytes still come,
 * but a frame that announced more than ever came reads them all as its body: a wrong Content-Length). Both end the
 * connection with a warning naming the reason and reconnect with the usual backoff. TCP keepalive is on as well. A connection
 * FreeSWITCH refuses before asking for the password (its `apply-inbound-acl`) is named as such, with the fix; the same
 * refusal read after `auth/request`, which FreeSWITCH never sends, is a protocol error (the stream is out of step).
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from '../logger.js';
import type { CallEnrichment } from '../reputation/types.js';
import type { ConnectionStatus } from '../screening/types.js';
import { plainCommand } from './command.js';
import { EslConnection } from './connection.js';
import { cleanValue, micros, PickupLog, type Pickup } from './pickup.js';
import { shownReply } from './reply.js';
import { backoffDelay } from '../retry.js';

export interface MonitorOptions {
  host: string;
  port: number;
  password: string;
  logger: Logger;
  /** Only calls for which this returns true are enriched. */
  isScreened(callId: string): boolean;
  enrich(callId: string, enrichment: CallEnrichment): Promise<void>;
  retryDelayMs?(attempt: number): number;
  /** Connect, `auth/request`, and the replies to `auth` and to the subscription must all come within this. */
  loginTimeoutMs?: number;
  /** A logged-in connection that brings no data at all for this long is dead (FreeSWITCH sends HEARTBEAT). */
  silenceTimeoutMs?: number;
}

/** FreeSWITCH greets and answers at once: this only bounds a connect, a greeting or a reply that never comes. */
export const DEFAULT_LOGIN_TIMEOUT_MS = 5000;
/** Three missed heartbeats at FreeSWITCH's default `event-heartbeat-interval` (20 s). */
export const DEFAULT_SILENCE_TIMEOUT_MS = 3 * 20_000;
/** Idle time before the kernel's keepalive probes start (they find a peer that is gone even while we only read). */
const KEEPALIVE_IDLE_MS = 20_000;
/** The enrichment events (the dialled legs' answers, the screened legs' hang-ups), and HEARTBEAT so that a quiet PBX
 * still proves the connection alive. */
export const SUBSCRIPTION = 'event plain CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE HEARTBEAT';

/** How to let chut in when FreeSWITCH's event socket refuses its address (said in the close reason and the log). */
export const ACL_FIX = 'allow the address chut connects from in the list named by apply-inbound-acl in event_socket.conf.xml';

/** What a connection still waits for before it is logged in; named in the login-timeout warning. */
type LoginStage = 'TCP connection' | 'auth/request' | 'reply to auth' | 'reply to the event subscription' | 'done';

/** How far a connection lost before its login completed got: a refused subscription comes after a password accepted. */
const UNFINISHED_LOGIN: Record<Exclude<LoginStage, 'done'>, string> = {
  'TCP connection': 'not authenticated',
  'auth/request': 'not authenticated',
  'reply to auth': 'not authenticated',
  'reply to the event subscription': 'logged in, not subscribed to events',
};

/** 0.25 s, 0.5 s … up to 15 s, jittered (attempt counted from 0 here). */
export const defaultRetryDelay = (attempt: number): number => backoffDelay(attempt + 1);

/**
 * The enrichment of a screened call from its CHANNEL_HANGUP_COMPLETE and its pickup (pickup.ts: the first answer of a
 * leg dialled for it). "Answered" means what it means with Asterisk (DialEnd ANSWER / BridgeEnter, src/ami/monitor.ts): the
 * call reached a phone that picked up. Nothing on the screened leg says so (see pickup.ts: its answer time counts chut's
 * captcha and voicemail answers, its bridge time counts early media and is gone after a transfer). **Answered by** is
 * the number the answering leg dialled. The talk time runs from that pickup to the screened leg's hang-up, not from its
 * answer (`variable_billsec` counts the captcha), and still counts after a transfer, as with Asterisk.
 */
export function enrichmentFrom(event: Record<string, string>, pickup: Pickup | null): CallEnrichment {
  const ended = micros(event['Caller-Channel-Hangup-Time']) || micros(event['variable_end_uepoch']);
  return {
    answered: pickup !== null,
    answeredBy: pickup?.by ?? null,
    talkSeconds: pickup && ended >= pickup.atMicros ? Math.round((ended - pickup.atMicros) / 1e6) : null,
    hangupCause: cleanValue(event['Hangup-Cause'] ?? event['variable_hangup_cause']),
  };
}

/** One connection and its deadlines; every timer here is cleared when the connection closes. */
interface Link {
  conn: EslConnection;
  stage: LoginStage;
  loginTimer: NodeJS.Timeout | null;
  silenceTimer: NodeJS.Timeout | null;
  /** The socket's bytesRead when the last complete frame was read: more since means data came but no frame ended. */
  bytesAtLastFrame: number;
}

export class InboundMonitor {
  private state: ConnectionStatus = { state: 'connecting', since: Date.now() };
  private link: Link | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private stopped = false;
  /** Kept across reconnections: a pickup seen before a reconnection still counts at the hang-up after it. */
  private readonly pickups = new PickupLog();
  /** The ACL rejection was logged as an error since the last login (each retry still warns). */
  private rejectionLogged = false;

  constructor(private readonly opts: MonitorOptions) {}

  status(): ConnectionStatus {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.link?.conn.close('stopping');
    this.link = null;
    this.state = { state: 'closed', since: Date.now() };
  }

  private dial(): void {
    this.timer = null;
    let socket: Socket;
    try {
      socket = connect({ host: this.opts.host, port: this.opts.port });
    } catch (err) {
      // Runs from a timer: a bad address must become a retry, not an uncaught exception.
      this.lost(`cannot connect: ${(err as Error).message}`);
      return;
    }
    socket.setKeepAlive(true, KEEPALIVE_IDLE_MS);
    const link: Link = { conn: new EslConnection(socket), stage: 'TCP connection', loginTimer: null, silenceTimer: null, bytesAtLastFrame: 0 };
    link.conn.handlers = {
      onOther: (frame) => {
        this.frameRead(link);
        if (frame.headers['Content-Type'] === 'text/rude-rejection') {
          if (link.stage === 'auth/request') return this.rejected(link, frame.body);
          // Sent only at connect (the ACL check comes before auth/request): later, the stream is garbled, not the ACL.
          return link.conn.close(`protocol error: text/rude-rejection after auth/request (FreeSWITCH sends one only before it, to an address its ACL refuses): the stream is out of step`);
        }
        if (frame.headers['Content-Type'] !== 'auth/request' || link.stage !== 'auth/request') return;
        this.login(link).catch((err: unknown) => link.conn.close(`login failed: ${(err as Error).message}`));
      },
      onEvent: (event) => {
        this.frameRead(link);
        this.onEvent(event);
      },
      onClose: (reason) => this.closed(link, reason),
    };
    socket.once('connect', () => { link.stage = 'auth/request'; });
    const loginMs = this.opts.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
    link.loginTimer = setTimeout(() => this.abandon(link, `no ${link.stage} within ${loginMs} ms`), loginMs);
    link.loginTimer.unref();
    this.link = link;
  }

  private async login(link: Link): Promise<void> {
    const { conn } = link;
    link.stage = 'reply to auth';
    // drops a secret file's final newline: the configuration refuses a line break further in (src/config.ts)
    const auth = await conn.send(`auth ${this.opts.password.replace(/[\r\n]/g, '')}\n\n`).catch(() => null);
    // Only `+OK accepted` logs in (reply.ts); anything else is quoted as the PBX sent it, invisible characters shown.
    if (!auth?.ok) {
      conn.close(`authentication refused: ${auth ? shownReply(auth.text) : 'no reply'}`);
      return;
    }
    link.stage = 'reply to the event subscription';
    const sub = await conn.send(plainCommand(SUBSCRIPTION)).catch(() => null);
    if (!sub?.ok) {
      conn.close(`event subscription refused: ${sub ? shownReply(sub.text) : 'no reply'}`);
      return;
    }
    link.stage = 'done';
    if (link.loginTimer) clearTimeout(link.loginTimer);
    link.loginTimer = null;
    this.watchSilence(link);
    this.attempt = 0;
    this.rejectionLogged = false;
    this.state = { state: 'ready', since: Date.now() };
    this.opts.logger.info('ESL monitor connected');
  }

  /**
   * mod_event_socket checks the client's address against its `apply-inbound-acl` lists before it sends `auth/request`
   * (listener_run): a denied address gets `text/rude-rejection` (`Access Denied, go away.`), a disconnect notice and a
   * close. Without a list FreeSWITCH applies `loopback.auto` in recent releases, so chut in a container or on another
   * host is denied until the administrator allows it. Named here, with the fix, instead of the bare close that follows;
   * the retries go on (the administrator may fix the list and run `reloadacl`).
   */
  private rejected(link: Link, body: string): void {
    const said = body.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 60) || 'no reason given';
    if (!this.rejectionLogged) {
      this.rejectionLogged = true;
      this.opts.logger.error({ host: this.opts.host, port: this.opts.port, chutAddress: link.conn.socket.localAddress ?? null },
        `FreeSWITCH's event socket refused chut's address before authentication (${said}): ${ACL_FIX}, then run reloadacl (a changed parameter needs reload mod_event_socket)`);
    }
    link.conn.close(`rejected by FreeSWITCH's event socket ACL (text/rude-rejection: ${said}): ${ACL_FIX}`);
  }

  /**
   * Starts the liveness deadline; every complete frame pushes it back (frameRead), a HEARTBEAT at least every 20 s. Not
   * every byte: bytes that only feed a frame that never ends (a wrong Content-Length swallowing every later event as
   * its body) must not keep a deaf connection open.
   */
  private watchSilence(link: Link): void {
    const silenceMs = this.opts.silenceTimeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS;
    link.bytesAtLastFrame = link.conn.socket.bytesRead;
    link.silenceTimer = setTimeout(() => this.abandon(link, link.conn.socket.bytesRead > link.bytesAtLastFrame
      ? `no complete frame for ${silenceMs} ms though data came (FreeSWITCH sends HEARTBEAT every 20 s): the stream is out of step (a frame that never ends: a wrong Content-Length?)`
      : `no data for ${silenceMs} ms (FreeSWITCH sends HEARTBEAT every 20 s): connection presumed dead`), silenceMs);
    link.silenceTimer.unref();
  }

  /** A complete frame came: the connection is alive and in step (see watchSilence). */
  private frameRead(link: Link): void {
    if (link.conn.closed) return;
    link.bytesAtLastFrame = link.conn.socket.bytesRead;
    link.silenceTimer?.refresh();
  }

  /** Ends a connection that cannot be trusted: destroyed at once, since a dead peer would never finish a FIN. */
  private abandon(link: Link, reason: string): void {
    link.conn.close(reason);
    link.conn.socket.destroy();
  }

  private closed(link: Link, reason: string): void {
    if (link.loginTimer) clearTimeout(link.loginTimer);
    if (link.silenceTimer) clearTimeout(link.silenceTimer);
    link.loginTimer = null;
    link.silenceTimer = null;
    if (this.link === link) this.link = null;
    this.lost(link.stage === 'done' ? reason : `${reason} (${UNFINISHED_LOGIN[link.stage]})`);
  }

  private onEvent(event: Record<string, string>): void {
    const name = event['Event-Name'];
    try {
      if (name === 'CHANNEL_ANSWER') {
        this.pickups.answered(event, (id) => this.opts.isScreened(id));
        return;
      }
      if (name !== 'CHANNEL_HANGUP_COMPLETE') return;
      const callId = event['Unique-ID'];
      if (!callId) return;
      const pickup = this.pickups.take(callId);
      if (!this.opts.isScreened(callId)) return;
      this.opts.enrich(callId, enrichmentFrom(event, pickup)).catch((err: unknown) => this.opts.logger.warn({ err }, 'enrichment failed'));
    } catch (err) {
      // Called from the socket's data handler: a throwing callback must not take the connection (or chut) down.
      this.opts.logger.warn({ err }, 'enrichment failed');
    }
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    this.attempt++;
    this.state = { state: 'reconnecting', since: Date.now(), attempt: this.attempt, lastError: reason };
    const delay = (this.opts.retryDelayMs ?? defaultRetryDelay)(this.attempt);
    this.opts.logger.warn({ reason, attempt: this.attempt, delayMs: delay }, 'ESL monitor disconnected');
    this.timer = setTimeout(() => this.dial(), delay);
    this.timer.unref();
  }
}
