/**
 * The built-in Asterisk ARI simulator: a fake Asterisk 22 on loopback (REST + the events WebSocket) that
 * speaks as the recorded one does (tests/fixtures/asterisk/), models our dialplan snippet around Stasis()
 * (fail-open when no app is connected, CHUT_ROUTE dispatch, a `continue` to a missing target kills the call, the
 * TIMEOUT(absolute) bound on Stasis and its `T` extension) and plays simulated callers. `faults` holds the fault-injection hooks the protocol tests use.
 *
 * Events (for benches and tests): `stasis-start` (channelId, performance.now()), `request`
 * ({ method, path, channelId, at, query }) for every authenticated REST request.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PbxSimulator, SimulatedCall, SimulatedCallOutcome, SimulatedRoute } from '../types.js';
import { SimChannel, type ChannelHost, type DialplanModel, type SimTiming } from './channel.js';
import { ariTimestamp, frames, type PlaybackData } from './frames.js';
import { route, type RestState } from './rest.js';
import { authorised, refuseUpgrade, sendReply, UNAUTHORISED } from './server.js';

export interface AriSimulatorOptions {
  port?: number;
  user?: string;
  password?: string;
  app?: string;
  timing?: Partial<SimTiming>;
  dialplan?: Partial<DialplanModel>;
  /** app_voicemail's boxes (`box@context`; DEFAULT_MAILBOXES when omitted). */
  mailboxes?: readonly string[];
}

/** What a call carries into chut-screen from the user's own dialplan. */
export interface PlaceCallOptions {
  /** Channel variables already set: inherited (`__CHUT_*`), or left by an earlier pass through chut-screen. */
  vars?: Readonly<Record<string, string>>;
  /** An absolute timeout the user's dialplan set before chut-screen (`Set(TIMEOUT(absolute)=<s>)`). */
  absoluteTimeoutS?: number;
  /** The channel's id, as an originate with its own `channelId` names it (Asterisk checks little: `..`, a slash…);
   * default: Asterisk's own `<epoch>.<n>`. */
  channelId?: string;
}

export interface SimRequest { method: string; path: string; channelId: string | null; at: number; query: URLSearchParams }

export interface FeatureCallOutcome {
  /** Whether chut took the call (false: no app connected, Stasis returned at once). */
  handled: boolean;
  /** `ring`: the call left Stasis and went on in the dialplan (the snippet hangs up after it); `dead-air`: it was
   * left parked in Stasis until the phone gave up; `hung-up`: the phone hung up first. */
  route: SimulatedRoute;
  durationMs: number;
  answered: boolean;
  /** The snippet's steps the call went through (TIMEOUT(absolute) bound, Stasis, `T`). */
  dialplan: string[];
  /** Media URIs chut played, in order. */
  played: string[];
  heardDigits: string;
}

/** Fault injection, for tests: see each member. */
export interface AriFaults {
  /** Closes every events WebSocket now. Asterisk unregisters the apps; channels stay in Stasis. */
  dropWebSockets(): void;
  /** The next `count` REST requests whose `METHOD /path` (path after `/ari`, no query) contains or matches
   * `match` (every request when omitted) get a 500. */
  failNext(count: number, match?: string | RegExp): void;
  /** Forgets the failures failNext asked for that have not happened yet. */
  clearFailures(): void;
  /** Every REST reply is delayed by this many ms (slow Asterisk). */
  delayMs: number;
  /** `GET /channels/{id}/variable` of one of these names (e.g. `STIR_SHAKEN(0,verify_result)`) is answered this many
   * ms late, on top of `delayMs`: one slow read on a loaded Asterisk, the rest of the call at normal speed. */
  slowVariables: Map<string, number>;
  /** Sends a raw text frame (e.g. malformed JSON) to every connected app. */
  sendRaw(text: string): void;
  /** Upgrades are refused (socket destroyed) while true. */
  refuseUpgrades: boolean;
  /** Each new channel's StasisStart is sent this many ms after it entered Stasis (a loaded Asterisk): meanwhile
   * `GET /channels` already shows it in Stasis. */
  stasisStartDelayMs: number;
  /** Sound files this Asterisk does not have: playing one answers 201, then PlaybackFinished `failed` (as
   * recorded in ari-errors-live.jsonl). */
  missingSounds: Set<string>;
  /** Sounds installed without language folders (an old flat `sounds/digits/1.gsm` layout): Playback finds them, but
   * Asterisk's sound index (main/sounds.c reads each top folder as a language) does not, so `GET /sounds/{id}`
   * answers 404 "Sound not found" for every sound. */
  soundIndexBlind: boolean;
  /** Elements `GET /channels` lists after the channels, sent as they are: any JSON, as a proxy in front of Asterisk
   * or another Asterisk version might answer (a field of another type, a missing dialplan, an element that is no
   * object). */
  channelListExtras: unknown[];
  /** app_voicemail not loaded: VM_INFO() cannot be read (500) and the snippet's TryExec(VoiceMail()) finds no
   * application (TRYSTATUS=NOAPP), so it rings. */
  voicemailUnloaded: boolean;
  /** An Asterisk restart: connections closed, every channel gone without events, apps unregistered,
   * upgrades refused for `downMs`. */
  restart(downMs?: number): Promise<void>;
}

const DEFAULT_TIMING: SimTiming = { soundMs: 40, digitMs: 15, dtmfGapMs: 30, typingDelayMs: 100, lingerMs: 1000 };
export const DEFAULT_DIALPLAN: DialplanModel = {
  screenContext: 'chut-screen', routeContext: 'chut-route', labels: { ring: 'ring', voicemail: 'voicemail', reject: 'reject' },
  stasisTimeoutS: 20, featuresContext: 'chut-features-run', featuresTimeoutS: 30, defaultMailbox: '100@default',
};
/** The box the compose setup's voicemail.conf defines, and the snippet's default. */
export const DEFAULT_MAILBOXES: readonly string[] = ['100@default'];

/** The priority of Stasis(chut) in chut-ari.conf's chut-screen, as a real channel's StasisStart reports it. */
export const SCREEN_STASIS_PRIORITY = 8;

export class AriSimulator extends EventEmitter implements PbxSimulator {
  readonly pbx = 'asterisk-ari' as const;
  readonly user: string;
  readonly password: string;
  readonly app: string;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<string, WebSocket>();
  /** Each WebSocket's own list of apps (ari_ws_session.websocket_apps): an app leaves it when another connection takes it. */
  private readonly owned = new WeakMap<WebSocket, Set<string>>();
  private readonly state: RestState;
  private readonly host: ChannelHost;
  private port = 0;
  private seq = 0;
  private failures: Array<{ left: number; match: string | RegExp | undefined }> = [];
  readonly faults: AriFaults;

  constructor(private readonly opts: AriSimulatorOptions = {}) {
    super();
    this.user = opts.user ?? 'chut';
    this.password = opts.password ?? 'sim-secret-7f3a';
    this.app = opts.app ?? 'chut';
    const channels = new Map<string, SimChannel>();
    const playbacks = new Map<string, PlaybackData>();
    const boxes = new Set(opts.mailboxes ?? DEFAULT_MAILBOXES);
    const voicemail = {
      loaded: () => !this.faults.voicemailUnloaded,
      exists: (box: string) => boxes.has(box.includes('@') ? box : `${box}@default`),
    };
    this.state = { channels, playbacks, voicemail, apps: () => this.appNames(), startedAt: Date.now(), soundExists: (name) => !this.faults.soundIndexBlind && !this.faults.missingSounds.has(name),
      channelListExtras: () => this.faults.channelListExtras };
    this.host = {
      send: (app, frame) => this.sendTo(app, JSON.stringify(frame)),
      appConnected: (app) => this.sockets.has(app),
      soundExists: (name) => !this.faults.missingSounds.has(name),
      voicemail,
      timing: { ...DEFAULT_TIMING, ...(opts.timing ?? {}) },
      dialplan: { ...DEFAULT_DIALPLAN, ...(opts.dialplan ?? {}) },
      forget: (id) => {
        channels.delete(id);
        for (const [pid, pb] of playbacks) if (pb.channelId === id) playbacks.delete(pid);
      },
      forgetPlayback: (id) => { playbacks.delete(id); },
      stasisStartDelayMs: () => this.faults.stasisStartDelayMs,
    };
    this.server = createServer((req, res) => { void this.onRequest(req, res); });
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.faults = this.makeFaults();
  }

  private makeFaults(): AriFaults {
    const faults: AriFaults = {
      delayMs: 0,
      slowVariables: new Map(),
      refuseUpgrades: false,
      stasisStartDelayMs: 0,
      missingSounds: new Set(),
      soundIndexBlind: false,
      voicemailUnloaded: false,
      channelListExtras: [],
      dropWebSockets: () => { for (const ws of this.wss.clients) ws.terminate(); },
      failNext: (count, match) => { this.failures.push({ left: count, match }); },
      clearFailures: () => { this.failures = []; },
      sendRaw: (text) => { for (const ws of this.sockets.values()) ws.send(text); },
      restart: async (downMs = 200) => {
        faults.refuseUpgrades = true;
        for (const ws of this.wss.clients) ws.terminate();
        this.sockets.clear();
        for (const ch of [...this.state.channels.values()]) ch.kill();
        await new Promise((r) => setTimeout(r, downMs));
        this.state.startedAt = Date.now();
        faults.refuseUpgrades = false;
      },
    };
    return faults;
  }

  private sendTo(app: string, text: string): void {
    const ws = this.sockets.get(app);
    if (ws && ws.readyState === ws.OPEN) ws.send(text);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (this.faults.refuseUpgrades) return refuseUpgrade(socket, 'unavailable');
    if (url.pathname !== '/ari/events') return refuseUpgrade(socket, 'unavailable');
    if (!authorised(req, url, this.user, this.password)) return refuseUpgrade(socket, 'unauthorised');
    const apps = (url.searchParams.get('app') ?? '').split(',').filter(Boolean);
    if (apps.length === 0) return refuseUpgrade(socket, 'no-app');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // One WebSocket owns an app name at a time: the newest connection wins. As Asterisk 22 does it:
      // stasis_app_register → app_update sends ApplicationReplaced to the connection that had the app (res/stasis/app.c),
      // and that session drops the app from its own list (ari_websockets.c ari_websocket_send_event); closing a
      // WebSocket unregisters the apps still on its list (session_unregister_app_cb → stasis_app_unregister), so the
      // app goes when its current owner closes, whoever registered it first, and a replaced connection's close
      // unregisters nothing. No ApplicationUnregistered is sent to inbound WebSockets.
      const owned = new Set(apps);
      this.owned.set(ws, owned);
      for (const app of apps) {
        const previous = this.sockets.get(app);
        this.sockets.set(app, ws);
        if (!previous || previous === ws) continue;
        this.owned.get(previous)?.delete(app);
        if (previous.readyState === previous.OPEN) previous.send(JSON.stringify(frames.applicationReplaced(app)));
      }
      ws.on('close', () => {
        for (const app of owned) if (this.sockets.get(app) === ws) this.sockets.delete(app);
        owned.clear();
      });
      ws.on('error', () => undefined);
    });
  }

  private takeFailure(request: string): boolean {
    const f = this.failures.find((x) => x.left > 0 && (x.match === undefined || (typeof x.match === 'string' ? request.includes(x.match) : x.match.test(request))));
    if (!f) return false;
    f.left -= 1;
    this.failures = this.failures.filter((x) => x.left > 0);
    return true;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    req.resume();
    if (!url.pathname.startsWith('/ari/')) return sendReply(res, { status: 404, body: { message: 'Resource not found' } });
    if (!authorised(req, url, this.user, this.password)) return sendReply(res, UNAUTHORISED);
    const path = url.pathname.slice('/ari'.length);
    const channelId = /^\/channels\/([^/]+)/.exec(path)?.[1] ?? null;
    this.emit('request', { method, path, channelId: channelId && decodeURIComponent(channelId), at: performance.now(), query: url.searchParams } satisfies SimRequest);
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    const slowReadMs = method === 'GET' && /^\/channels\/[^/]+\/variable$/.test(path) ? this.faults.slowVariables.get(url.searchParams.get('variable') ?? '') ?? 0 : 0;
    if (slowReadMs > 0) await new Promise((r) => setTimeout(r, slowReadMs));
    if (this.takeFailure(`${method} ${path}`)) return sendReply(res, { status: 500, body: { message: 'Internal Server Error' } });
    // a synchronous channel command (answer) is answered once the channel's control queue has run it
    sendReply(res, await route(this.state, method, path, url.searchParams));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const ch of [...this.state.channels.values()]) ch.kill();
    for (const ws of this.wss.clients) ws.terminate();
    this.sockets.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** chut's settings for this fake, the voicemail box among them: chut's default box (the dialled number) is rarely
   * an Asterisk mailbox, which is why the README has it set at install. */
  chutConfig(): Record<string, unknown> {
    return {
      ari: { enabled: true, url: this.url, user: this.user, password: this.password, app: this.app },
      routes: { voicemailMailbox: DEFAULT_MAILBOXES[0] },
    };
  }

  /**
   * The apps `GET /applications` lists: res_stasis keeps an app in its registry after it is unregistered
   * (deactivated) until no channel is left in it (cleanup() removes only finished apps), so an app whose WebSocket
   * went while calls were parked in it is still listed (and `GET /applications/{app}` answers 200) until they leave.
   */
  private appNames(): string[] {
    const names = new Set(this.sockets.keys());
    for (const ch of this.state.channels.values()) if (ch.inStasis && !ch.gone) names.add(ch.app);
    return [...names];
  }

  /** Whether an events WebSocket currently owns `app`. */
  registered(app = this.app): boolean {
    return this.sockets.has(app);
  }

  /** Channels currently known to Asterisk (in Stasis or in the dialplan). */
  channelCount(): number {
    return this.state.channels.size;
  }

  async waitForChut(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.sockets.has(this.app)) {
      if (Date.now() > until) throw new Error(`ARI simulator: app '${this.app}' not registered after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** `priority`: where Stasis sits in the snippet (SCREEN_STASIS_PRIORITY in chut-screen, 3 in chut-features-run;
   * tests/unit/ari/dialplan.test.ts checks the snippet; chut never reads it). */
  private newChannel(tech: string, caller: { name: string; number: string }, context: string, exten: string, priority: number,
    args: string[], call: Pick<SimulatedCall, 'behaviour' | 'verstat' | 'maxDurationMs'>, channelId?: string): SimChannel {
    this.seq += 1;
    const id = channelId ?? `${Math.floor(this.state.startedAt / 1000)}.${this.seq}`;
    const ch = new SimChannel({
      id, name: `PJSIP/${tech}-${this.seq.toString(16).padStart(8, '0')}`, state: 'Ring',
      callerName: caller.name, callerNumber: caller.number, context, exten, priority,
      appName: 'Stasis', appData: [this.app, ...args].join(','), creationtime: ariTimestamp(), language: 'en',
    }, this.app, args, call, this.host);
    this.state.channels.set(id, ch);
    return ch;
  }

  /** An inbound PSTN call into the snippet's screening context (`opts`: what it carries in from the user's dialplan); `played`: the media URIs the caller heard, in order;
   * `dialplan`: the snippet's steps the call went through (SimChannel.steps), kept up to date after the route too,
   * until the channel is gone (a ringing call cut by a timeout would show there). */
  placeCall(call: SimulatedCall, opts: PlaceCallOptions = {}): Promise<SimulatedCallOutcome & { played: string[]; dialplan: readonly string[] }> {
    const ch = this.newChannel('trunk', { name: call.callerName, number: call.callerNumber }, this.host.dialplan.screenContext, call.dialled, SCREEN_STASIS_PRIORITY, [], call, opts.channelId);
    for (const [name, value] of Object.entries(opts.vars ?? {})) ch.vars.set(name, value);
    if (opts.absoluteTimeoutS !== undefined) ch.setAbsoluteTimeout(String(opts.absoluteTimeoutS), 'before');
    ch.start();
    if (ch.inStasis) this.emit('stasis-start', ch.data.id, performance.now());
    return ch.outcome.then((outcome) => ({ ...outcome, played: [...ch.played], dialplan: ch.steps }));
  }

  /** An internal phone dials the report feature code (`*77` spam / `*78` allow): [chut-features] sends it to
   * `exten` of [chut-features-run] (`spam` / `allow`) → `Stasis(chut,report,<kind>)`. `args`: the Stasis arguments,
   * to model a miswritten feature code (e.g. `['report', 'bogus']`, `['report']`). */
  async placeFeatureCall(extension: string, kind: 'spam' | 'allow', exten: string = kind,
    args: string[] = ['report', kind]): Promise<FeatureCallOutcome> {
    const ch = this.newChannel(extension, { name: `Phone ${extension}`, number: extension }, this.host.dialplan.featuresContext, exten, 3, args,
      { behaviour: { kind: 'silent' }, maxDurationMs: 10_000 });
    ch.start();
    const handled = ch.inStasis;
    const outcome = await ch.outcome;
    return {
      handled, route: outcome.route, durationMs: outcome.durationMs, answered: outcome.answered, played: [...ch.played], heardDigits: outcome.heardDigits,
      dialplan: [...ch.steps],
    };
  }
}

export function createAriSimulator(opts: AriSimulatorOptions = {}): AriSimulator {
  return new AriSimulator(opts);
}
