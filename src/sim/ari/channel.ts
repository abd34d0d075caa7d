/**
 * One simulated call on the fake Asterisk: the channel as ARI shows it, the snippet's dialplan around the
 * Stasis() step, and the remote caller's behaviour (listening to prompts, typing DTMF, hanging up).
 */
import type { CallerBehaviour, SimulatedCall, SimulatedCallOutcome, SimulatedRoute } from '../types.js';
import { frames, type ChannelData, type PlaybackData } from './frames.js';

export interface SimTiming {
  /** How long one `sound:` item plays. */
  soundMs: number;
  /** How long each digit of a `digits:` item takes to say. */
  digitMs: number;
  /** Gap between DTMF digits a person types. */
  dtmfGapMs: number;
  /** Default think time before a person types what it heard. */
  typingDelayMs: number;
  /** How long a channel stays visible (in the dialplan) after leaving Stasis. */
  lingerMs: number;
}

/** The snippet's names (dialplan/asterisk/chut-ari.conf). */
export interface DialplanModel {
  screenContext: string;
  routeContext: string;
  labels: { ring: string; voicemail: string; reject: string };
}

export interface ChannelHost {
  send(app: string, frame: object): void;
  appConnected(app: string): boolean;
  soundExists(name: string): boolean;
  timing: SimTiming;
  dialplan: DialplanModel;
  forget(id: string): void;
}

interface QueuedPlayback { data: PlaybackData; media: string[] }

export class SimChannel {
  inStasis = false;
  gone = false;
  answered = false;
  subscribed = false;
  heardDigits = '';
  readonly played: string[] = [];
  readonly vars = new Map<string, string>();
  readonly outcome: Promise<SimulatedCallOutcome>;
  private resolveOutcome!: (o: SimulatedCallOutcome) => void;
  private settled = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly queue: QueuedPlayback[] = [];
  private current: QueuedPlayback | null = null;
  private hangupTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();

  constructor(
    readonly data: ChannelData,
    readonly app: string,
    readonly args: string[],
    private readonly call: Pick<SimulatedCall, 'behaviour' | 'verstat' | 'maxDurationMs'>,
    private readonly host: ChannelHost,
  ) {
    this.outcome = new Promise((resolve) => { this.resolveOutcome = resolve; });
    if (call.verstat) this.vars.set('STIR_SHAKEN(0,verify_result)', call.verstat);
    this.vars.set('CALLERID(num)', data.callerNumber);
    this.vars.set('CALLERID(name)', data.callerName);
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    this.timers.add(t);
    return t;
  }

  private emit(frame: object): void {
    if (this.inStasis || this.subscribed) this.host.send(this.app, frame);
  }

  /** Runs Stasis(app). Without a connected app it returns at once (STASISSTATUS=FAILED) and the snippet rings. */
  start(): void {
    this.later(this.call.maxDurationMs ?? 15_000, () => this.hangup('dead-air'));
    const b = this.call.behaviour;
    if (b.kind === 'hangs-up') this.hangupTimer = this.later(b.afterMs, () => this.hangup('hung-up'));
    if (!this.host.appConnected(this.app)) {
      this.vars.set('STASISSTATUS', 'FAILED');
      this.leaveTo(this.dispatch(), false);
      return;
    }
    this.inStasis = true;
    this.host.send(this.app, frames.stasisStart(this.app, this.args, this.data));
  }

  answer(): void {
    if (this.answered) return;
    this.answered = true;
    this.data.state = 'Up';
    this.emit(frames.stateChange(this.app, this.data));
    const b: CallerBehaviour = this.call.behaviour;
    if (b.kind === 'hangs-up' && this.hangupTimer) {
      clearTimeout(this.hangupTimer);
      this.timers.delete(this.hangupTimer);
      this.hangupTimer = this.later(b.afterMs, () => this.hangup('hung-up'));
    }
    if (b.kind === 'blasts-dtmf') this.type(b.digits, 15, 0);
  }

  play(data: PlaybackData, media: string[]): void {
    this.queue.push({ data, media });
    if (!this.current) this.nextPlayback();
  }

  private nextPlayback(): void {
    const pb = this.queue.shift();
    this.current = pb ?? null;
    if (pb) this.later(1, () => this.playItem(pb, 0));
  }

  private playItem(pb: QueuedPlayback, index: number): void {
    if (this.gone || !this.inStasis) return;
    const uri = pb.media[index] as string;
    const next = pb.media[index + 1];
    pb.data.mediaUri = uri;
    pb.data.nextMediaUri = next;
    pb.data.state = 'playing';
    this.played.push(uri);
    this.emit(frames.playback(this.app, 'PlaybackStarted', pb.data));
    if (uri.startsWith('sound:') && !this.host.soundExists(uri.slice('sound:'.length))) {
      pb.data.state = 'failed';
      this.emit(frames.playback(this.app, 'PlaybackFinished', pb.data));
      this.current = null;
      this.nextPlayback();
      return;
    }
    const digits = uri.startsWith('digits:') ? uri.slice('digits:'.length) : '';
    const ms = digits ? digits.length * this.host.timing.digitMs : this.host.timing.soundMs;
    this.later(ms, () => {
      if (this.gone || !this.inStasis) return;
      this.heardDigits += digits;
      if (next !== undefined) {
        pb.data.state = 'continuing';
        this.emit(frames.playback(this.app, 'PlaybackContinuing', pb.data));
        this.playItem(pb, index + 1);
        return;
      }
      pb.data.state = 'done';
      this.emit(frames.playback(this.app, 'PlaybackFinished', pb.data));
      this.current = null;
      this.react(pb.media);
      this.nextPlayback();
    });
  }

  /** What the caller does once a prompt has been said. */
  private react(media: string[]): void {
    const said = media.filter((m) => m.startsWith('digits:')).map((m) => m.slice('digits:'.length)).join('');
    if (!said) return;
    const b = this.call.behaviour;
    const delay = 'delayMs' in b && b.delayMs !== undefined ? b.delayMs : this.host.timing.typingDelayMs;
    if (b.kind === 'types-what-it-hears') this.type(said, this.host.timing.dtmfGapMs, delay);
    else if (b.kind === 'types') this.type(b.digits, this.host.timing.dtmfGapMs, delay);
  }

  private type(digits: string, gapMs: number, delayMs: number): void {
    [...digits].forEach((digit, i) => this.later(delayMs + i * gapMs, () => {
      if (!this.gone && this.inStasis) this.emit(frames.dtmf(this.app, this.data, digit, 200));
    }));
  }

  /** Where the snippet's dispatch after Stasis() goes: CHUT_ROUTE names a label, anything else rings. */
  dispatch(): SimulatedRoute {
    const route = this.vars.get('CHUT_ROUTE') ?? '';
    const { labels } = this.host.dialplan;
    if (route === labels.voicemail) return 'voicemail';
    if (route === labels.reject) return 'reject';
    return 'ring';
  }

  /** `continue`: with no target the next priority dispatches; an unknown target kills the call (as recorded). */
  continueTo(context: string | undefined, extension: string | undefined): void {
    const dp = this.host.dialplan;
    let route: SimulatedRoute = 'dead-air';
    if (!context || context === dp.screenContext) route = this.dispatch();
    else if (context === dp.routeContext) {
      const label = Object.entries(dp.labels).find(([, name]) => name === extension);
      if (label) route = label[0] as SimulatedRoute;
    }
    this.leaveTo(route, true);
  }

  private leaveTo(route: SimulatedRoute, wasInStasis: boolean): void {
    if (wasInStasis) {
      this.emit(frames.stasisEnd(this.app, this.data));
      this.inStasis = false;
    }
    this.data.appName = route === 'dead-air' ? '' : 'Dial';
    this.data.appData = '';
    this.settle(route);
    this.later(route === 'dead-air' ? 1 : this.host.timing.lingerMs, () => this.destroy());
  }

  /** The caller hangs up (or gives up on dead air): hang-up request, failed playback, StasisEnd. */
  hangup(route: SimulatedRoute): void {
    if (this.gone) return;
    if (this.inStasis) {
      this.emit(frames.hangupRequest(this.app, this.data));
      if (this.current) {
        this.current.data.state = 'failed';
        this.emit(frames.playback(this.app, 'PlaybackFinished', this.current.data));
        this.current = null;
      }
      this.emit(frames.stasisEnd(this.app, this.data));
      this.inStasis = false;
      if (this.subscribed) {
        this.emit(frames.varset(this.app, this.data, 'STASISSTATUS', 'SUCCESS'));
        this.emit(frames.hangupRequest(this.app, this.data, true));
      }
    }
    this.settle(route);
    this.destroy();
  }

  /** Asterisk restart: the channel vanishes with no event on any connection. */
  kill(): void {
    this.inStasis = false;
    this.subscribed = false;
    this.settle('hung-up');
    this.destroy();
  }

  private destroy(): void {
    if (this.gone) return;
    if (this.subscribed) this.host.send(this.app, frames.destroyed(this.app, this.data));
    this.gone = true;
    this.inStasis = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.host.forget(this.data.id);
  }

  private settle(route: SimulatedRoute): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveOutcome({
      route, answered: this.answered, heardDigits: this.heardDigits, callId: this.data.id, durationMs: Date.now() - this.startedAt,
    });
  }
}
