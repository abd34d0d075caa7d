/**
 * The built-in FreeSWITCH simulator: plays the `socket` dialplan app towards chut's outbound listener for
 * each simulated call, and offers an inbound event socket for chut's monitoring client. Used by
 * `chut demo --pbx freeswitch`, the protocol tests (through tests/fakes/esl) and the ESL benchmark.
 */
import { connect, createServer } from 'node:net';
import type { PbxSimulator, SimulatedRoute } from '../types.js';
import { noFaults, SimChannel, type EslFaults, type EslOutcome, type EslSimulatedCall } from './channel.js';
import { DEFAULT_DIRECTORY, type DirectoryUser } from './directory.js';
import { InboundEventServer } from './inbound.js';
import { SimScheduler } from './scheduler.js';

export type { EslFaults, EslOutcome, EslSimulatedCall } from './channel.js';
export { DEFAULT_DIRECTORY, SIM_DOMAIN, type DirectoryUser } from './directory.js';

/** chut.xml's `chut_bound` (seconds): how long a call may wait for chut before FreeSWITCH routes it on its own. */
export const CHUT_XML_BOUND_S = 10;
/** chut.xml's bound on the *77/*78 feature codes (seconds): how long a phone may wait for chut before FreeSWITCH says
 * that nothing was reported. */
export const CHUT_XML_FEATURE_BOUND_S = 15;

export interface EslSimulatorOptions {
  /** chut's outbound listener port; 0 (default) picks a free port at start(). */
  chutPort?: number;
  /** Inbound event socket password. */
  password?: string;
  /** Simulated length of one prompt file (ms). */
  mediaMs?: number;
  /** How long a caller takes to leave a voicemail message, then hangs up (default 1 s: chut queues its own hang-up
   * behind voicemail at once, and a window of one prompt's length, 10 ms in tests, was missed on a loaded machine). */
  messageMs?: number;
  /** How long a call lasts after it rang through (default 10 ms; a benchmark holds calls longer). */
  talkMs?: number;
  /** Where `transfer` targets lead (`"ext context"` → route); an unknown target hangs up (NO_ROUTE_DESTINATION). */
  transfers?: Record<string, SimulatedRoute>;
  /** The users FreeSWITCH knows (voicemail boxes); default DEFAULT_DIRECTORY. */
  directory?: readonly DirectoryUser[];
  /** chut.xml's bound in scheduler seconds (default CHUT_XML_BOUND_S, as chut.xml ships); null: a dialplan without
   * it (chut.xml before the bound), where a hung chut leaves the call in dead air. */
  dialplanBound?: number | null;
  /** chut.xml's bound on the feature codes in scheduler seconds (default CHUT_XML_FEATURE_BOUND_S); null: a chut.xml
   * without it, where a hung chut leaves the phone in silence. */
  featureBound?: number | null;
  /** How long one second of FreeSWITCH's scheduler lasts here (default 1000): tests shrink it so that the bound
   * and the captcha bound chut re-arms pass in a few hundred milliseconds. Nothing else is scaled. */
  schedulerSecondMs?: number;
  /** How often the inbound event socket sends HEARTBEAT (default 20 s, FreeSWITCH's `event-heartbeat-interval`). */
  heartbeatMs?: number;
}

/** A port nothing listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const a = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return typeof a === 'object' && a ? a.port : 0;
}

function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export class EslSimulator implements PbxSimulator {
  readonly pbx = 'freeswitch' as const;
  readonly faults: EslFaults = noFaults();
  readonly inbound: InboundEventServer;
  readonly scheduler: SimScheduler;
  private chutPort: number;
  private readonly live = new Set<SimChannel>();

  constructor(private readonly opts: EslSimulatorOptions = {}) {
    this.chutPort = opts.chutPort ?? 0;
    this.inbound = new InboundEventServer(opts.password ?? 'ClueCon', opts.heartbeatMs);
    this.scheduler = new SimScheduler(opts.schedulerSecondMs ?? 1000);
  }

  async start(): Promise<void> {
    if (this.chutPort === 0) this.chutPort = await freePort();
    await this.inbound.start(0);
  }

  async stop(): Promise<void> {
    for (const c of this.live) c.hangup('SYSTEM_SHUTDOWN', true);
    this.scheduler.stop();
    await this.inbound.stop();
  }

  /** The port chut must listen on (known after start()). */
  get listenPort(): number {
    return this.chutPort;
  }

  chutConfig(): Record<string, unknown> {
    return {
      esl: {
        enabled: true, listenHost: '127.0.0.1', listenPort: this.chutPort,
        inbound: { enabled: true, host: '127.0.0.1', port: this.inbound.port, password: this.opts.password ?? 'ClueCon' },
      },
    };
  }

  /** Resolves once chut's listener accepts connections (or its monitor has logged in). A probe connection
   * is closed as soon as chut sends `connect`: chut sees a connection without channel data and drops it. */
  async waitForChut(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inbound.authenticatedClients > 0 || (await probe('127.0.0.1', this.chutPort))) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('chut did not connect to the simulated FreeSWITCH in time');
  }

  placeCall(call: EslSimulatedCall): Promise<EslOutcome> {
    const channel = new SimChannel(call, {
      host: '127.0.0.1', port: this.chutPort, mediaMs: this.opts.mediaMs ?? 20, messageMs: this.opts.messageMs ?? 1000, talkMs: this.opts.talkMs ?? 10, faults: this.faults,
      transfers: this.opts.transfers ?? {}, directory: this.opts.directory ?? DEFAULT_DIRECTORY, publish: (h) => this.inbound.publish(h),
      hasSubscribers: () => this.inbound.hasSubscribers,
      scheduler: this.scheduler, dialplanBound: this.opts.dialplanBound === undefined ? CHUT_XML_BOUND_S : this.opts.dialplanBound,
      featureBound: this.opts.featureBound === undefined ? CHUT_XML_FEATURE_BOUND_S : this.opts.featureBound,
      scheduleTransfer: (seconds, uuid, extension, _dialplan, context) => this.scheduleTransfer(seconds, uuid, extension, context),
    });
    this.live.add(channel);
    return channel.start().finally(() => this.live.delete(channel));
  }

  /** switch_ivr_schedule_transfer: the task locates the call when it runs (a call gone by then is left alone). */
  private scheduleTransfer(seconds: number, uuid: string, extension: string, context: string): number | null {
    if (!this.channel(uuid)) return null;
    return this.scheduler.add(seconds, uuid, () => this.channel(uuid)?.scheduledTransfer(extension, context));
  }

  private channel(uuid: string): SimChannel | undefined {
    for (const c of this.live) if (c.uuid === uuid) return c;
    return undefined;
  }
}

export function createEslSimulator(opts?: EslSimulatorOptions): EslSimulator {
  return new EslSimulator(opts);
}
