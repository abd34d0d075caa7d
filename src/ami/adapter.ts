/**
 * The AMI adapter: one connection, the dialplan-driven screening (`mode: screen | both`) and the call
 * monitoring (`mode: monitor | both`). Each event is handed to both, in that order, so the monitor can wait
 * for a call's record before enriching it.
 */
import type { Logger } from '../logger.js';
import type { AdapterDeps, ConnectionStatus, PbxAdapter } from '../screening/types.js';
import { createAmiConnection, type AmiConnection, type RetryStrategy } from './connection.js';
import type { AmiEvent } from './events.js';
import { createCallMonitor, type CallMonitor } from './monitor.js';
import { createDialplanScreening, type DialplanScreening } from './screening.js';

export interface AmiAdapterOptions {
  retryStrategy?: RetryStrategy;
  actionTimeoutMs?: number;
  pingIntervalMs?: number;
  /** Period of the sweep that forgets calls past `ami.callTimeoutMs`. */
  sweepIntervalMs?: number;
  /** Most calls the dialplan screening holds at once (being screened, or waiting for the dialplan's report); default
   * 10,000. Tests lower it. */
  maxCalls?: number;
}

export interface AmiAdapter extends PbxAdapter {
  readonly connection: AmiConnection;
  /** How many calls each part holds right now (bounded-memory checks, /healthz detail). */
  stats(): { screening: number; monitored: number; pendingActions: number; packets: number };
  /** Resolves when no call handling is in progress (tests, graceful stop). */
  idle(): Promise<void>;
}

export function createAmiAdapter(deps: AdapterDeps, options: AmiAdapterOptions = {}): AmiAdapter {
  const { config, screening } = deps;
  const logger: Logger = deps.logger;
  const mode = config.ami.mode;
  const connection = createAmiConnection({
    host: config.ami.host, port: config.ami.port, user: config.ami.user, password: config.ami.password, logger,
    retryStrategy: options.retryStrategy, actionTimeoutMs: options.actionTimeoutMs, pingIntervalMs: options.pingIntervalMs,
  });
  let monitor: CallMonitor | null = null;
  const dialplan: DialplanScreening | null = mode === 'monitor' ? null : createDialplanScreening({
    config, screening, logger, send: (a) => connection.send(a), onClaimLost: (id) => monitor?.forget(id),
    onQueryIgnored: () => deps.counters?.callUnscreened('asterisk-ami', 'max-calls'),
    ...(options.maxCalls ? { maxCalls: options.maxCalls } : {}),
  });
  monitor = mode === 'screen' ? null : createCallMonitor({
    screening, logger, callTimeoutMs: config.ami.callTimeoutMs, followQueries: dialplan !== null,
    stasisApp: config.ari.enabled || mode === 'monitor' ? config.ari.app : null,
    beforeEnrich: dialplan ? (id) => dialplan.settled(id) : undefined,
  });
  let sweeper: NodeJS.Timeout | null = null;

  function onEvent(ev: AmiEvent): void {
    try {
      dialplan?.handle(ev);
      monitor?.handle(ev);
    } catch (err) {
      logger.error({ err: String(err), event: ev.type }, 'AMI: event handling failed');
    }
  }

  connection.on('event', onEvent);
  connection.on('status', (s: ConnectionStatus) => logger.debug({ state: s.state }, 'AMI: status'));

  return {
    name: 'asterisk-ami',
    connection,
    status: () => connection.status(),
    async start() {
      connection.start();
      const every = options.sweepIntervalMs ?? Math.min(60_000, config.ami.callTimeoutMs);
      sweeper = setInterval(() => { dialplan?.sweep(); monitor?.sweep(); }, every);
      sweeper.unref();
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      await connection.stop();
      dialplan?.close();
      await Promise.all([dialplan?.idle(), monitor?.idle()]);
    },
    stats: () => ({
      screening: dialplan?.size() ?? 0, monitored: monitor?.size() ?? 0,
      pendingActions: connection.counters.pending(), packets: connection.counters.packets,
    }),
    async idle() {
      await dialplan?.idle();
      await monitor?.idle();
    },
  };
}
