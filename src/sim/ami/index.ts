/**
 * The built-in AMI simulator: a fake Asterisk Manager on loopback (server.ts) whose calls run our shipped
 * dialplan snippet (call.ts). `chut demo --pbx ami` and the protocol tests drive it through PbxSimulator;
 * tests/fakes/ami adds the fault hooks on top of `server`.
 */
import type { PbxSimulator, SimulatedCall, SimulatedCallOutcome } from '../types.js';
import { SimCall, type CallTiming } from './call.js';
import { FEATURE_CODES, SimFeatureCall } from './feature-call.js';
import { AmiServer } from './server.js';

export { AmiServer, type ReceivedAction } from './server.js';
export { BANNER, PacketReader, serialize, header, type Packet, type Header } from './wire.js';
export type { CallTiming } from './call.js';

export interface AmiSimulatorOptions extends Partial<CallTiming> {
  user?: string;
  password?: string;
  /** Fixed port (a restart reuses it); default 0 = any free port. */
  port?: number;
  loginFailDelayMs?: number;
  /** Sound files missing from this Asterisk (see `server.missingSounds`). */
  missingSounds?: readonly string[];
  /** Voicemail boxes missing from this Asterisk (see `server.missingMailboxes`). */
  missingMailboxes?: readonly string[];
  /** The chut-ami.conf the calls run (see `server.snippetVersion`): 2 by default. */
  snippetVersion?: 1 | 2;
}

export interface AmiSimulator extends PbxSimulator {
  readonly server: AmiServer;
  /** Calls in progress. */
  readonly live: Set<SimCall | SimFeatureCall>;
}

const DEFAULT_TIMING: CallTiming = {
  decisionWaitMs: 2000, tickMs: 100, promptMs: 150, phoneAnswerMs: 100, talkMs: 300, voicemailMs: 150, dtmfGapMs: 40,
};

export function createAmiSimulator(opts: AmiSimulatorOptions = {}): AmiSimulator {
  const user = opts.user ?? 'chut';
  const password = opts.password ?? 'chut-sim-secret';
  const server = new AmiServer({ user, password, loginFailDelayMs: opts.loginFailDelayMs });
  for (const sound of opts.missingSounds ?? []) server.missingSounds.add(sound);
  for (const box of opts.missingMailboxes ?? []) server.missingMailboxes.add(box);
  if (opts.snippetVersion) server.snippetVersion = opts.snippetVersion;
  const timing: CallTiming = { ...DEFAULT_TIMING, ...definedOnly(opts) };
  const live = new Set<SimCall | SimFeatureCall>();
  let seq = 0;
  const uniqueBase = Math.floor(Date.now() / 1000);

  async function placeCall(call: SimulatedCall): Promise<SimulatedCallOutcome> {
    seq += 1;
    // an internal phone's *77/*78 runs [chut-features]; any other call is an inbound call running chut-screen
    const sim = call.fromInternalPhone && Object.hasOwn(FEATURE_CODES, call.dialled)
      ? new SimFeatureCall(server, call, { seq, uniqueBase }, timing.tickMs)
      : new SimCall(server, call, { seq, uniqueBase }, timing);
    live.add(sim);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadAir = new Promise<SimulatedCallOutcome>((resolve) => {
      timer = setTimeout(() => {
        sim.abort();
        resolve({ route: 'dead-air', answered: false, heardDigits: '', callId: sim.inbound.uniqueid, durationMs: Date.now() - started });
      }, call.maxDurationMs ?? 15_000);
    });
    try {
      return await Promise.race([sim.run(), deadAir]);
    } finally {
      clearTimeout(timer);
      live.delete(sim);
    }
  }

  return {
    pbx: 'asterisk-ami',
    server,
    live,
    async start() {
      await server.listen(opts.port ?? 0);
    },
    async stop() {
      for (const c of live) c.abort();
      await server.close();
    },
    chutConfig: () => ({ ami: { enabled: true, host: '127.0.0.1', port: server.port, user, password, mode: 'both' } }),
    async waitForChut(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (server.listeners() === 0) {
        if (Date.now() > until) throw new Error('chut did not log in to the AMI simulator in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    placeCall,
  };
}

function definedOnly(o: AmiSimulatorOptions): Partial<CallTiming> {
  const out: Partial<CallTiming> = {};
  for (const k of Object.keys(DEFAULT_TIMING) as Array<keyof CallTiming>) {
    const v = o[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}
