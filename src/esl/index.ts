/**
 * FreeSWITCH Event Socket adapter: the outbound listener that screens each call, plus the optional inbound
 * monitor that enriches call records. See README.md in this folder for why chut speaks ESL itself.
 */
import type { AdapterDeps, ConnectionStatus, PbxAdapter } from '../screening/types.js';
import { InboundMonitor } from './monitor.js';
import { OutboundServer } from './server.js';
import type { SessionDeps } from './session.js';
import { RecentIds } from '../recent-ids.js';
import { HOUR_MS } from '../time-units.js';

export { FrameParser, parsePlainEvent, urlDecode, urlEncode, type EslFrame } from './frame.js';
export { executeCommand, plainCommand, EslCommandError } from './command.js';

export interface EslAdapter extends PbxAdapter {
  /** The bound listener port (after start; useful with port 0). */
  readonly port: number | null;
  readonly activeCalls: number;
}

export function createEslAdapter(deps: AdapterDeps, extra: Pick<SessionDeps, 'onTiming'> & { maxConcurrent?: number } = {}): EslAdapter {
  // `logger` already carries `adapter: esl` (app.ts binds it for every adapter): binding it again would write the key twice
  const { config, screening, logger: log, counters } = deps;
  // calls screened recently, so the monitor enriches only those
  const recent = new RecentIds(20_000, 4 * HOUR_MS);
  const server = new OutboundServer({
    config, screening, logger: log, host: config.esl.listenHost, port: config.esl.listenPort, allowFrom: config.esl.allowFrom,
    onScreened: (id) => recent.add(id), onPeerRefused: () => counters?.peerRefused('esl'),
    onCallUnscreened: (reason) => counters?.callUnscreened('esl', reason), ...extra,
  });
  const inbound = config.esl.inbound;
  const monitor = inbound.enabled
    ? new InboundMonitor({
      host: inbound.host, port: inbound.port, password: inbound.password, silenceTimeoutMs: inbound.silenceTimeoutMs, logger: log,
      isScreened: (id) => recent.has(id),
      enrich: (id, e) => screening.enrichCall(id, e),
    })
    : null;
  let listening: ConnectionStatus = { state: 'connecting', since: Date.now() };
  let port: number | null = null;

  return {
    name: 'esl',
    get port() { return port; },
    get activeCalls() { return server.activeCalls; },
    status(): ConnectionStatus {
      if (listening.state !== 'ready' || !monitor) return listening;
      const m = monitor.status();
      return m.state === 'ready' ? listening : m;
    },
    async start() {
      port = await server.listen();
      listening = { state: 'ready', since: Date.now() };
      log.info({ host: config.esl.listenHost, port, allowFrom: config.esl.allowFrom }, 'ESL outbound listener ready');
      monitor?.start();
    },
    async stop() {
      monitor?.stop();
      await server.stop();
      listening = { state: 'closed', since: Date.now() };
    },
  };
}
