/**
 * Optional inbound Event Socket client for monitoring: authenticates, subscribes to CHANNEL_HANGUP_COMPLETE
 * and enriches the records of the calls chut screened (answered or not, talk time, cause). Reconnects with
 * capped, jittered backoff; its status feeds /healthz. Monitoring never affects how calls are routed.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from '../logger.js';
import type { CallEnrichment } from '../reputation/types.js';
import type { ConnectionStatus } from '../screening/types.js';
import { plainCommand } from './command.js';
import { EslConnection } from './connection.js';
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
}

/** 0.25 s, 0.5 s … up to 15 s, jittered (attempt counted from 0 here). */
export const defaultRetryDelay = (attempt: number): number => backoffDelay(attempt + 1);

const clean = (v: string | undefined): string | null => {
  const s = (v ?? '').replace(/[^\w+@.:-]/g, '').slice(0, 64);
  return s === '' ? null : s;
};

/** The enrichment carried by a CHANNEL_HANGUP_COMPLETE event. */
export function enrichmentFrom(event: Record<string, string>): CallEnrichment {
  const answeredTime = Number(event['Caller-Channel-Answered-Time'] ?? '0');
  const billsec = Number(event['variable_billsec'] ?? 'NaN');
  const answered = answeredTime > 0;
  return {
    answered,
    answeredBy: answered ? clean(event['variable_last_sent_callee_id_number'] ?? event['variable_callee_id_number']) : null,
    talkSeconds: answered && Number.isFinite(billsec) ? billsec : null,
    hangupCause: clean(event['Hangup-Cause'] ?? event['variable_hangup_cause']),
  };
}

export class InboundMonitor {
  private state: ConnectionStatus = { state: 'connecting', since: Date.now() };
  private conn: EslConnection | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private stopped = false;

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
    this.conn?.close('stopping');
    this.state = { state: 'closed', since: Date.now() };
  }

  private dial(): void {
    const socket: Socket = connect({ host: this.opts.host, port: this.opts.port });
    let authenticated = false;
    const conn = new EslConnection(socket, {
      onOther: (frame) => {
        if (frame.headers['Content-Type'] === 'auth/request') void this.login(conn).then((ok) => { authenticated = ok; });
      },
      onEvent: (event) => this.onEvent(event),
      onClose: (reason) => this.lost(authenticated ? reason : `${reason} (not authenticated)`),
    });
    this.conn = conn;
  }

  private async login(conn: EslConnection): Promise<boolean> {
    const auth = await conn.send(`auth ${this.opts.password.replace(/[\r\n]/g, '')}\n\n`).catch(() => null);
    if (!auth?.ok) {
      conn.close(`authentication refused: ${auth?.text.slice(0, 40) ?? 'no reply'}`);
      return false;
    }
    const sub = await conn.send(plainCommand('event plain CHANNEL_HANGUP_COMPLETE')).catch(() => null);
    if (!sub?.ok) {
      conn.close('event subscription refused');
      return false;
    }
    this.attempt = 0;
    this.state = { state: 'ready', since: Date.now() };
    this.opts.logger.info('ESL monitor connected');
    return true;
  }

  private onEvent(event: Record<string, string>): void {
    if (event['Event-Name'] !== 'CHANNEL_HANGUP_COMPLETE') return;
    const callId = event['Unique-ID'];
    if (!callId || !this.opts.isScreened(callId)) return;
    this.opts.enrich(callId, enrichmentFrom(event)).catch((err: unknown) => this.opts.logger.warn({ err }, 'enrichment failed'));
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
