/**
 * One simulated call on the fake Asterisk: the channel as ARI shows it, the snippet's dialplan around the
 * Stasis() step, and the remote caller's behaviour (listening to prompts, typing DTMF, hanging up).
 */
import type { CallerBehaviour, SimulatedCall, SimulatedCallOutcome, SimulatedRoute } from '../types.js';
import { frames, type ChannelData, type PlaybackData } from './frames.js';
import type { ChannelHost } from './model.js';
import { VOICEMAIL_BOX } from '../../voicemail-box.js';

export type { ChannelHost, DialplanModel, SimTiming } from './model.js';

interface QueuedPlayback {
  data: PlaybackData;
  media: string[];
  /** The timer of the media URI playing now. */
  timer?: NodeJS.Timeout;
  /** A `sound:` URI has started (res_stasis_playback.c's `controllable`): only then can the playback be stopped. */
  controllable?: boolean;
  /** DELETE /playbacks/{id} before it started (playback_cancel): it reports PlaybackFinished `done` when its turn comes. */
  canceled?: boolean;
}

/**
 * One command on the channel's control queue (res/stasis/control.c): Asterisk's Stasis thread runs them one after
 * another, and a playback (play_uri) holds the queue until it has finished. `drop`: the command was flushed unrun
 * (the channel left Stasis, or hung up, first).
 */
type Command = { kind: 'play'; pb: QueuedPlayback } | { kind: 'run'; run: () => void; drop?: () => void };

const STEP_PREFIX = { dialplan: '', ari: 'ARI: ', T: 'T: ', before: 'before chut-screen: ' } as const;

/** `${EPOCH}`: whole seconds. */
const epoch = (): number => Math.floor(Date.now() / 1000);

/** The variables chut sets (CHUT_ROUTE and its companions), which the snippet's screening extensions clear before
 * Stasis (tests/unit/ari/dialplan.test.ts reads them in the snippet). */
export const CLEARED_BEFORE_STASIS = ['CHUT_ROUTE', 'CHUT_MAILBOX', 'CHUT_REJECT'] as const;


/** The extensions of the snippet's [chut-screen] that screen: `_[+0-9].` (two characters or more) and `s`. */
const SCREENED_EXTEN = /^(?:[+0-9].+|s)$/s;

/** What Asterisk 22 reports in STIR_SHAKEN(0,verify_result) for a call whose trunk verified it as `verstat`
 * (res_stir_shaken/verification.c: `success`, or the failed check's code). */
function asteriskVerifyResult(verstat: string): string {
  if (/^TN-Validation-Passed$/i.test(verstat)) return 'success';
  if (/^No-TN-Validation$/i.test(verstat)) return 'internal_error';
  return 'signature_validation';
}

export class SimChannel {
  inStasis = false;
  gone = false;
  answered = false;
  subscribed = false;
  heardDigits = '';
  readonly played: string[] = [];
  readonly vars = new Map<string, string>();
  /** The dialplan steps that matter to chut, in order: TIMEOUT(absolute) settings (from the snippet or over ARI),
   * Stasis, the `T` extension, and where the call went (`Goto(chut-route,<label>,1)`). */
  readonly steps: string[] = [];
  readonly outcome: Promise<SimulatedCallOutcome>;
  private resolveOutcome!: (o: SimulatedCallOutcome) => void;
  private settled = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly commands: Command[] = [];
  private current: QueuedPlayback | null = null;
  /** A `continue` is on the control queue, not yet run. */
  private continuePending = false;
  private hangupTimer: NodeJS.Timeout | null = null;
  /** Asterisk's `whentohangup`: the absolute timeout's timer and its deadline (epoch ms). */
  private absolute: { timer: NodeJS.Timeout; at: number } | null = null;
  /** The snippet's CHUT_ABSOLUTE_END: when the absolute timeout set before chut-screen ends, as `${EPOCH}` + the
   * seconds TIMEOUT(absolute) reads back; null: none was set. */
  private absoluteEnd: number | null = null;
  private readonly startedAt = Date.now();

  constructor(
    readonly data: ChannelData,
    readonly app: string,
    readonly args: string[],
    private readonly call: Pick<SimulatedCall, 'behaviour' | 'verstat' | 'maxDurationMs'>,
    private readonly host: ChannelHost,
  ) {
    this.outcome = new Promise((resolve) => { this.resolveOutcome = resolve; });
    // as Asterisk 22 reports it (res_stir_shaken's own words, not the trunk's verstat)
    if (call.verstat) this.vars.set('STIR_SHAKEN(0,verify_result)', asteriskVerifyResult(call.verstat));
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

  private get screening(): boolean {
    return this.data.context === this.host.dialplan.screenContext;
  }

  /** The snippet's bound on Stasis in this channel's context, in seconds; null: none. */
  private get stasisBoundS(): number | null {
    const dp = this.host.dialplan;
    return this.screening ? dp.stasisTimeoutS : this.data.context === dp.featuresContext ? dp.featuresTimeoutS : null;
  }

  /** Runs the snippet up to Stasis(app): in the screening and feature-code contexts, `Set(TIMEOUT(absolute)=<bound>)` first. Without
   * a connected app Stasis returns at once (STASISSTATUS=FAILED) and the snippet rings. A DID no extension of
   * [chut-screen] matches (letters, one character) goes to its `i` extension, which rings, unscreened. */
  start(): void {
    this.later(this.call.maxDurationMs ?? 15_000, () => this.hangup('dead-air'));
    const b = this.call.behaviour;
    if (b.kind === 'hangs-up') this.hangupTimer = this.later(b.afterMs, () => this.hangup('hung-up'));
    if (this.screening && !SCREENED_EXTEN.test(this.data.exten)) return this.goTo('ring', 'i: ');
    if (this.screening) {
      for (const name of CLEARED_BEFORE_STASIS) this.vars.set(name, ''); // Set(X=): X is empty
      const left = this.absoluteTimeoutLeft();
      this.absoluteEnd = left === '0' ? null : epoch() + Number(left);
    }
    const bound = this.stasisBoundS;
    if (bound !== null) this.setAbsoluteTimeout(String(bound), 'dialplan');
    this.steps.push(`Stasis(${this.data.appData})`);
    if (!this.host.appConnected(this.app)) {
      this.vars.set('STASISSTATUS', 'FAILED');
      this.leaveTo(this.dispatch(), false);
      return;
    }
    this.inStasis = true;
    const delay = this.host.stasisStartDelayMs?.() ?? 0;
    if (delay <= 0) return this.host.send(this.app, frames.stasisStart(this.app, this.args, this.data));
    // res_stasis sends StasisStart once stasis_app_exec has set the channel up: a loaded Asterisk lists the channel
    // in Stasis (GET /channels: dialplan.app_name "Stasis") before that frame reaches the app
    this.later(delay, () => { if (this.inStasis && !this.gone) this.host.send(this.app, frames.stasisStart(this.app, this.args, this.data)); });
  }

  /**
   * `TIMEOUT(absolute)=<value>` as func_timeout.c sets it: seconds from now (fractions allowed); 0, a negative or
   * an unreadable value cancels. `by`: the snippet (`T`: its `T` extension), chut over ARI, or the user's dialplan
   * before chut-screen.
   */
  setAbsoluteTimeout(value: string, by: 'dialplan' | 'ari' | 'T' | 'before'): void {
    this.steps.push(`${STEP_PREFIX[by]}Set(TIMEOUT(absolute)=${value})`);
    if (this.absolute) {
      clearTimeout(this.absolute.timer);
      this.timers.delete(this.absolute.timer);
      this.absolute = null;
    }
    const seconds = Number.parseFloat(value);
    if (!Number.isFinite(seconds) || seconds <= 0) return;
    const ms = seconds * 1000;
    this.absolute = { timer: this.later(ms, () => this.absoluteTimeout()), at: Date.now() + ms };
  }

  /** `TIMEOUT(absolute)` read back as func_timeout.c does: seconds left with 3 decimals, or 0 when none is set. */
  absoluteTimeoutLeft(): string {
    return this.absolute ? (Math.max(0, this.absolute.at - Date.now()) / 1000).toFixed(3) : '0';
  }

  /**
   * The absolute timeout passed (ast_check_hangup sets AST_SOFTHANGUP_TIMEOUT). In Stasis, the Stasis loop ends
   * (StasisEnd) and the PBX, finding `T` in the current context, clears the timeout and runs it: the snippet's `T`
   * rings; the feature codes' `T` beeps an error and hangs up. Anywhere else (a context without `T`, e.g. a call
   * already ringing) the channel is hung up.
   */
  private absoluteTimeout(): void {
    this.absolute = null;
    if (this.gone) return;
    const wasInStasis = this.inStasis;
    if (wasInStasis) {
      this.emit(frames.stasisEnd(this.app, this.data));
      this.inStasis = false;
      this.current = null;
      this.flush();
    }
    if (wasInStasis && this.screening) {
      this.steps.push('T: Set(TIMEOUT(absolute)=0)');
      this.restoreAbsolute('T');
      this.goTo('ring');
      return;
    }
    if (wasInStasis && this.stasisBoundS !== null) {
      this.steps.push('T: Set(TIMEOUT(absolute)=0)', 'T: Playback(beeperr)'); // the feature codes' `T`: an error beep
    }
    this.steps.push('TIMEOUT(absolute) passed: hung up');
    this.settle('hung-up');
    this.destroy();
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

  /**
   * Queues a channel command as control.c does (stasis_app_send_command[_async]): run at once when the queue is idle,
   * otherwise after everything queued before it, a playback in progress included (a `continue`, a variable set or an
   * answer sent during a prompt takes effect once the prompt has played, or been stopped).
   */
  enqueue(run: () => void, drop?: () => void): void {
    this.commands.push({ kind: 'run', run, ...(drop ? { drop } : {}) });
    this.drain();
  }

  /** Whether a command would wait (a playback in progress or queued, or other commands before it). */
  get busy(): boolean {
    return this.current !== null || this.commands.length > 0;
  }

  play(data: PlaybackData, media: string[]): void {
    this.commands.push({ kind: 'play', pb: { data, media } });
    this.drain();
  }

  /** `continue`, queued behind the channel's playbacks; a second one while the first waits changes nothing. */
  requestContinue(context: string | undefined, extension: string | undefined): void {
    if (this.continuePending) return;
    this.continuePending = true;
    this.enqueue(() => this.continueTo(context, extension));
  }

  /** Runs queued commands until one is a playback (which holds the queue) or the channel has left Stasis. */
  private drain(): void {
    while (!this.current && this.commands.length > 0) {
      if (this.gone || !this.inStasis) return this.flush();
      const cmd = this.commands.shift() as Command;
      if (cmd.kind === 'run') {
        cmd.run();
        continue;
      }
      const pb = cmd.pb;
      if (pb.canceled) {
        // playback_first_update on a canceled playback: published as `done` (PlaybackFinished), nothing played
        pb.data.state = 'done';
        this.emit(frames.playback(this.app, 'PlaybackFinished', pb.data));
        this.host.forgetPlayback(pb.data.id);
        continue;
      }
      this.current = pb;
      this.later(1, () => this.playItem(pb, 0));
    }
    if (this.gone || !this.inStasis) this.flush();
  }

  /** The Stasis loop ended: commands still queued are completed unrun (control_flush_queue). */
  private flush(): void {
    for (const cmd of this.commands.splice(0)) {
      if (cmd.kind === 'run') cmd.drop?.();
      else this.host.forgetPlayback(cmd.pb.data.id);
    }
  }

  /**
   * DELETE /playbacks/{id} (resource_playbacks.c, res_stasis_playback.c): a queued playback is canceled, a playing
   * one stopped (AST_CONTROL_STREAM_STOP; its later media URIs are skipped): either reports PlaybackFinished with state
   * `done` (state_to_string maps STOPPED and CANCELED to "done"). 'not-stoppable': a playback that has not reached a
   * `sound:` URI (playback_stop refuses when not `controllable`: 500 "Could not stop playback").
   */
  stopPlayback(id: string): 'ok' | 'not-stoppable' | 'not-found' {
    const queued = this.commands.find((c): c is Extract<Command, { kind: 'play' }> => c.kind === 'play' && c.pb.data.id === id);
    if (queued) {
      queued.pb.canceled = true;
      return 'ok';
    }
    const pb = this.current;
    if (!pb || pb.data.id !== id) return 'not-found';
    if (!pb.controllable) return 'not-stoppable';
    if (pb.timer) {
      clearTimeout(pb.timer);
      this.timers.delete(pb.timer);
    }
    // the stream stops at the next frame: the playback ends, then the control queue goes on
    pb.timer = this.later(1, () => {
      if (this.gone || !this.inStasis) return;
      pb.data.state = 'done';
      this.emit(frames.playback(this.app, 'PlaybackFinished', pb.data));
      this.host.forgetPlayback(pb.data.id);
      this.current = null;
      this.drain();
    });
    return 'ok';
  }

  /**
   * One media URI of a playback, as res_stasis_playback.c plays it: PlaybackStarted for each URI; a `sound:` file
   * that does not exist fails at once; `digits:` goes through ast_say_digit_str, which skips every digit whose
   * `digits/N` file does not exist and never fails. After a URI that is not the last, the state is `continuing`
   * (PlaybackContinuing) EVEN IF IT FAILED: only the last URI's result reaches PlaybackFinished (`done`/`failed`).
   */
  private playItem(pb: QueuedPlayback, index: number, said = ''): void {
    if (this.gone || !this.inStasis) return;
    const uri = pb.media[index] as string;
    const next = pb.media[index + 1];
    pb.data.mediaUri = uri;
    pb.data.nextMediaUri = next;
    pb.data.state = 'playing';
    if (uri.startsWith('sound:')) pb.controllable = true;
    this.played.push(uri);
    this.emit(frames.playback(this.app, 'PlaybackStarted', pb.data));
    const digits = this.digitsSaid(uri);
    const failed = uri.startsWith('sound:') && !this.host.soundExists(uri.slice('sound:'.length));
    const ms = failed ? 1 : uri.startsWith('digits:') ? Math.max(1, digits.length * this.host.timing.digitMs) : this.host.timing.soundMs;
    pb.timer = this.later(ms, () => {
      if (this.gone || !this.inStasis) return;
      this.heardDigits += digits;
      if (next !== undefined) {
        pb.data.state = 'continuing';
        this.emit(frames.playback(this.app, 'PlaybackContinuing', pb.data));
        this.playItem(pb, index + 1, said + digits);
        return;
      }
      pb.data.state = failed ? 'failed' : 'done';
      this.emit(frames.playback(this.app, 'PlaybackFinished', pb.data));
      this.host.forgetPlayback(pb.data.id);
      this.current = null;
      this.react(said + digits);
      this.drain();
    });
  }

  /** The digits a caller hears from one media URI: `digits:4721` (those whose sound exists) or `sound:digits/4`. */
  private digitsSaid(uri: string): string {
    const exists = (d: string) => this.host.soundExists(`digits/${d}`);
    if (uri.startsWith('digits:')) return [...uri.slice('digits:'.length)].filter((d) => /[0-9]/.test(d) && exists(d)).join('');
    const one = /^sound:digits\/([0-9])$/.exec(uri)?.[1];
    return one !== undefined && exists(one) ? one : '';
  }

  /** What the caller does once a playback that said digits is over. */
  private react(said: string): void {
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
    const dispatched = !context || context === dp.screenContext;
    if (dispatched) route = this.dispatch();
    else if (context === dp.routeContext) {
      const label = Object.entries(dp.labels).find(([, name]) => name === extension);
      if (label) route = label[0] as SimulatedRoute;
    }
    this.leaveTo(route, true, dispatched);
  }

  /** Back from Stasis (or Stasis never ran): the snippet's `(dispatch)` priority clears the absolute timeout first
   * (a ringing call must never be cut by it) and puts back the user's own, if any, then dispatches on CHUT_ROUTE. */
  private leaveTo(route: SimulatedRoute, wasInStasis: boolean, dispatched = true): void {
    if (wasInStasis) {
      this.emit(frames.stasisEnd(this.app, this.data));
      this.inStasis = false;
      this.flush();
    }
    if (dispatched && this.stasisBoundS !== null) {
      this.setAbsoluteTimeout('0', 'dialplan');
      if (this.screening) this.restoreAbsolute('dialplan');
    }
    this.goTo(route);
  }

  /** [chut-route]'s absolute-timeout, after its Set(TIMEOUT(absolute)=0): the user's own absolute timeout back, with
   * what is left of it counted in whole `${EPOCH}` seconds; one already past fires a second later. */
  private restoreAbsolute(by: 'dialplan' | 'T'): void {
    if (this.absoluteEnd === null) return;
    const left = Math.round((this.absoluteEnd - epoch()) * 1000) / 1000;
    this.setAbsoluteTimeout(left > 0 ? String(left) : '1', by);
  }

  /** `from`: the extension the Goto runs in when it is not the screened one (`i: `). */
  private goTo(route: SimulatedRoute, from = ''): void {
    const { routeContext, labels } = this.host.dialplan;
    if (route !== 'dead-air' && route !== 'hung-up' && this.screening) this.steps.push(`${from}Goto(${routeContext},${labels[route]},1)`);
    if (route === 'voicemail' && this.screening) {
      const failed = this.voicemailFailure();
      if (failed) {
        this.steps.push(`${labels.voicemail}: ${failed}`);
        return this.goTo('ring', `${labels.voicemail}: `);
      }
    }
    this.data.appName = route === 'dead-air' ? '' : 'Dial';
    this.data.appData = '';
    this.settle(route);
    this.later(route === 'dead-air' ? 1 : this.host.timing.lingerMs, () => this.destroy());
  }

  /** The snippet's voicemail extension: the box checked with REGEX (anything but one plain box rings), then
   * `TryExec(VoiceMail(box,u))`, then ring on NOAPP or VMSTATUS=FAILED. */
  private voicemailFailure(): string | null {
    const box = this.vars.get('CHUT_MAILBOX') || this.host.dialplan.defaultMailbox;
    if (!VOICEMAIL_BOX.test(box)) return `not one plain box: ${box}`;
    const vm = this.host.voicemail;
    if (!vm.loaded()) return `TryExec(VoiceMail(${box},u)) TRYSTATUS=NOAPP`;
    return vm.exists(box) ? null : `VoiceMail(${box},u) VMSTATUS=FAILED`;
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
      this.flush();
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
    this.current = null;
    this.flush();
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
