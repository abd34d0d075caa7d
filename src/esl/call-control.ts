/**
 * CallControl over one outbound Event Socket connection. Apps run with `event-lock` so they execute in order;
 * verbs that need a result (playback, digits, transfer) wait for the CHANNEL_EXECUTE_COMPLETE carrying our
 * Event-UUID. The caller hanging up (CHANNEL_HANGUP, a disconnect notice, the socket closing) aborts `signal`
 * and every pending wait rejects with CallerHungUpError. Before chut takes the call anywhere but "ring by ending the
 * socket", it deletes the dial plan's bound on a hung chut (bound.ts); when that bound already fired, chut backs off.
 * What chut changes on the channel for the captcha (`playback_terminators`) is put back before the call goes on in the
 * administrator's dial plan.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { captchaBoundS } from '../screening/captcha-bound.js';
import { CallerHungUpError, type AskDigitsRequest, type CallControl, type PromptItem } from '../screening/types.js';
import { executeCommand } from './command.js';
import type { EslConnection } from './connection.js';
import { apiOver, ScreenBound, type BoundTarget } from './bound.js';
import { mailboxExists } from './mailbox.js';
import { promptPlaybacks } from './prompt.js';
import { shownReply } from './reply.js';
import { rejectSteps, ringTransferStep, voicemailBox, voicemailSteps, type AppStep } from './route-commands.js';

/** Longest any single app may run before chut gives up on it (a stuck prompt must not hold a call). */
const APP_TIMEOUT_MS = 120_000;
/** Longest the ring waits for `playback_terminators` to be put back (a `set` completes at once): then it rings anyway. */
const RESTORE_TIMEOUT_MS = 2000;

/** How the session must end the connection once screening is done. */
export type Ending = 'close' | 'hold-until-hangup';

export class EslCallControl implements CallControl {
  private readonly abort = new AbortController();
  /** Apps waiting for their CHANNEL_EXECUTE_COMPLETE, by Event-UUID. */
  private readonly completions = new Map<string, { done: (event: Record<string, string>) => void; fail: (err: Error) => void }>();
  private digitsVar = 0;
  /** Set by the first routing verb; the session reads it. */
  routed = false;
  ending: Ending = 'close';
  /** Set when the adapter gave up on the screener (watchdog): later verbs do nothing. */
  abandoned = false;
  /** A verb failed (not a hang-up): the ring that follows is the fail-open one. */
  private failed = false;
  /** The socket app ended without chut ending it (a scheduled transfer, the bound, took the call): nothing more may
   * be sent for this call. */
  private left = false;
  /** chut set `playback_terminators=none` (the captcha): to be put back before the call goes on in the dial plan. */
  private terminatorsChanged = false;
  private readonly bound: ScreenBound;

  constructor(
    private readonly conn: EslConnection,
    private readonly config: Readonly<Config>,
    private readonly logger: Logger,
    /** `myevents` (+ `linger`), pipelined at connect; true once accepted, else why not (the reply quoted). Without
     * events no app completion is seen. */
    private readonly requestEvents: () => Promise<true | string> = () => Promise.resolve(true),
    /** Called at the instant the routing command is written (benchmarks, logs). */
    private readonly onRouted: () => void = () => undefined,
    /** The channel's Unique-ID (validated), for the `api` commands that concern this call. */
    private readonly callId = '',
    /** The bound chut.xml armed for this call (from the channel data); null when the dial plan armed none. */
    boundTarget: BoundTarget | null = null,
    /** The channel's own `playback_terminators` (channel data, checked), put back after the captcha; null: none. */
    private readonly playbackTerminators: string | null = null,
  ) {
    this.bound = new ScreenBound(apiOver(conn), callId, boundTarget);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  hungUp(): void {
    if (!this.abort.signal.aborted) this.abort.abort(new CallerHungUpError());
  }

  /**
   * The connection ended and the caller did not hang up (chut closed it: reply timeout, protocol error, watchdog;
   * or it was cut without a hangup event or disconnect notice). FreeSWITCH's socket app returns and the call rings,
   * so nothing here may read as a hang-up: every app still waiting fails at once with a plain error (the screener
   * then records no captcha outcome) instead of waiting out APP_TIMEOUT_MS.
   */
  connectionLost(reason: string): void {
    for (const waiter of [...this.completions.values()]) waiter.fail(new Error(`connection lost: ${reason}`));
  }

  /** Feeds the channel's events (from `myevents`). */
  onEvent(event: Record<string, string>): void {
    const name = event['Event-Name'];
    if (name === 'CHANNEL_EXECUTE_COMPLETE') {
      // The socket app returned while chut holds the connection: something else (the bound) took the call.
      if (event['Application'] === 'socket') this.left = true;
      const id = event['Application-UUID'];
      const waiter = id ? this.completions.get(id) : undefined;
      waiter?.done(event);
    } else if (name === 'CHANNEL_HANGUP' || name === 'CHANNEL_HANGUP_COMPLETE') {
      this.hungUp();
    }
  }

  answer(): Promise<void> {
    return this.verb(async () => {
      this.markRouted();
      // Only the captcha answers: the bound is replaced by one as long as the longest captcha, so a chut that hangs
      // in the middle of it still lets the call ring. When that is impossible the call rings now, unanswered.
      const taken = await this.takeOver('captcha', captchaBoundS(this.config.captcha));
      if (!taken) throw new Error('the call is not chut\'s to answer any more (dial plan bound)');
      await this.run({ app: 'answer', arg: '' });
      // DTMF must not cut the prompt short: digits typed during it are flushed anyway. Put back before the call goes
      // on (restoreChannel): mod_dptools' playback reads it, so a caller who passed could not skip any later prompt.
      this.terminatorsChanged = true;
      await this.run({ app: 'set', arg: 'playback_terminators=none' });
    });
  }

  askDigits(req: AskDigitsRequest): Promise<string> {
    return this.verb(() => this.collectDigits(req));
  }

  private async collectDigits(req: AskDigitsRequest): Promise<string> {
    await this.play(req.prompt);
    await this.run({ app: 'flush_dtmf', arg: '' });
    const variable = `chut_digits_${++this.digitsVar}`;
    const max = Math.max(1, Math.min(16, Math.floor(req.maxDigits)));
    const first = Math.max(100, Math.floor(req.firstDigitTimeoutMs));
    const inter = Math.max(100, Math.floor(req.interDigitTimeoutMs));
    const arg = `1 ${max} 1 ${first} # silence_stream://250 silence_stream://250 ${variable} \\d+ ${inter}`;
    const done = await this.run({ app: 'play_and_get_digits', arg });
    return (done[`variable_${variable}`] ?? '').replace(/[^0-9]/g, '').slice(0, max);
  }

  play(prompt: PromptItem[]): Promise<void> {
    return this.verb(async () => {
      // Each sound and digit is its own playback, checked: a prompt nobody heard must not turn into a failed captcha,
      // and throwing makes the screener ring the call. (In one file_string list a missing file would be skipped.)
      for (const arg of promptPlaybacks(prompt, this.config.esl)) {
        const done = await this.run({ app: 'playback', arg });
        const response = done['Application-Response'] ?? '';
        if (/NOT FOUND|ERROR/i.test(response)) throw new Error(`prompt ${arg.slice(0, 60)} did not play (${shownReply(response)})`);
      }
    });
  }

  async ring(): Promise<void> {
    if (this.abandoned) return; // the watchdog already let the call ring
    // After a failed route (the screener's fallback) the ring must not depend on a configured target.
    if (this.failed) return this.failOpen('ring after a failed route');
    return this.verb(async () => {
      this.markRouted();
      await this.restoreChannel();
      const step = ringTransferStep(this.config);
      // Without a transfer, ending the socket is the route: the socket app returns, the dialplan continues (and its
      // sched_cancel removes the bound). A transfer leaves the dial plan, so the bound goes first; when it already
      // fired the call is ringing: the socket just ends. Either way the socket ends now, not after the record is written.
      if (step && (await this.takeOver('ring transfer'))) await this.run(step);
      this.conn.close('ring');
    });
  }

  toVoicemail(mailbox: string | null): Promise<'voicemail' | 'ring'> {
    return this.verb(() => this.voicemail(mailbox));
  }

  private async voicemail(mailbox: string | null): Promise<'voicemail' | 'ring'> {
    const steps = voicemailSteps(this.config, mailbox);
    if (!steps) {
      this.logger.warn('no usable voicemail mailbox: ringing instead (fail-open)');
      await this.failOpen('no usable voicemail mailbox');
      return 'ring';
    }
    const vm = this.config.esl.voicemail;
    const box = vm.type === 'app' ? voicemailBox(this.config, mailbox) : null;
    if (vm.type === 'app' && box !== null) {
      // mod_voicemail that cannot take the message returns at once, and the queued hangup would end the call.
      const check = await mailboxExists(this.conn, this.callId, box, vm.profile);
      if (!check.exists) {
        this.logger.warn({ mailbox: box, domain: check.domain, why: check.why }, 'FreeSWITCH cannot take a message for this box: ringing instead (fail-open)');
        await this.failOpen('voicemail box not found');
        return 'ring';
      }
    }
    return (await this.queueFinal(steps, 'voicemail')) ? 'voicemail' : 'ring';
  }

  /** A reject FreeSWITCH refused has rung the call: it says so, and the record (with a failed captcha's outcome) says ring. */
  reject(): Promise<'reject' | 'ring'> {
    return this.verb(async () => ((await this.queueFinal(rejectSteps(this.config.routes.reject), 'reject')) ? 'reject' : 'ring'));
  }

  /**
   * The ring that depends on nothing configurable: end the socket, so the socket app returns and the dialplan goes
   * on to the normal destination, exactly as when chut decides nothing (watchdog, protocol error, chut absent).
   * Used after a failed route and when voicemail is impossible; `esl.ringTransfer` is for decided rings only (a
   * transfer to a missing extension is hung up by FreeSWITCH with NO_ROUTE_DESTINATION).
   */
  private async failOpen(reason: string): Promise<void> {
    if (this.abandoned) return;
    this.markRouted();
    // A connection ended by chut is not a hang-up, even after voicemail/reject steps were queued.
    this.ending = 'close';
    // The call rings whatever happens here (the connection may be what failed).
    await this.restoreChannel().catch(() => undefined);
    this.conn.close(`fail-open: ${reason}`);
  }

  /** Runs a verb. Any failure but the caller hanging up marks the call: the ring that follows is failOpen(). */
  private async verb<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof CallerHungUpError)) this.failed = true;
      throw err;
    }
  }

  /**
   * Queues steps that end the call; the connection stays open so the call cannot fall through to ring. Resolves false
   * when FreeSWITCH refused a step (`-ERR`) or its reply was lost while the call was still up: that step never runs,
   * so holding the call would leave the caller in silence until they hang up. The socket ends instead (the dialplan
   * continues: the call rings). The steps go one at a time: a step queued behind a refused one would still run (the
   * hangup after a refused voicemail would end a wanted call).
   */
  private async queueFinal(steps: AppStep[], route: string): Promise<boolean> {
    this.markRouted();
    // The bound would cut the message or the rejection (a transfer leaves the dial plan and its sched_cancel). Once
    // deleted, what chut queues next runs in FreeSWITCH on its own: nothing bounds it but the apps themselves.
    if (!(await this.takeOver(route))) {
      await this.failOpen(`${route}: the dial plan bound took the call`);
      return false;
    }
    const last = steps[steps.length - 1];
    if (last?.app === 'transfer') {
      // The call goes on in the dial plan (`esl.voicemail.type: transfer`).
      await this.restoreChannel();
      await this.run(last);
      this.conn.close('transferred');
      return true;
    }
    this.ending = 'hold-until-hangup';
    // The hang-up that ends the hold comes as an event; the steps run even if events were refused.
    await this.requestEvents();
    for (const [i, step] of steps.entries()) {
      // A call that ended after our first step (respond 607 hangs it up) took the route.
      if (i > 0 && this.signal.aborted) return true;
      let failure: string;
      try {
        const reply = await this.conn.send(executeCommand(step.app, step.arg).frame);
        if (reply.ok) continue;
        failure = `refused: ${shownReply(reply.text)}`;
      } catch (err) {
        failure = `not sent: ${(err as Error).message}`;
      }
      if (this.signal.aborted) {
        if (i > 0) return true;
        throw new CallerHungUpError();
      }
      this.logger.warn({ route, app: step.app, failure }, `FreeSWITCH did not take the ${route} step: ringing instead (fail-open)`);
      await this.failOpen(`${route} step ${step.app} ${failure}`);
      return false;
    }
    return true;
  }

  /**
   * Puts back what chut changed on the channel for the captcha, before the call goes on in the administrator's dial plan
   * (ring, ring transfer, voicemail transfer, fail-open): the channel's own `playback_terminators`, else none (`unset`:
   * FreeSWITCH's default `*`). Waits for it to run, at most RESTORE_TIMEOUT_MS. Rethrows only the caller hanging up;
   * when it cannot be done (the connection failed, the bound took the call), the call goes on anyway. Not reached when
   * chut stops or loses the connection mid-captcha: nothing more is sent then.
   */
  private async restoreChannel(): Promise<void> {
    if (!this.terminatorsChanged) return;
    this.terminatorsChanged = false;
    const step: AppStep = this.playbackTerminators === null
      ? { app: 'unset', arg: 'playback_terminators' }
      : { app: 'set', arg: `playback_terminators=${this.playbackTerminators}` };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, RESTORE_TIMEOUT_MS); });
    try {
      await Promise.race([this.run(step), late]);
    } catch (err) {
      if (err instanceof CallerHungUpError) throw err;
      this.logger.debug({ err: String(err) }, 'playback_terminators not put back');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Deletes the dial plan's bound before chut takes the call (and re-arms `rearmS` for a captcha). False: the call is
   * not chut's any more (the bound fired, or FreeSWITCH's answers were not the expected ones): send nothing more.
   * Throws CallerHungUpError when the caller hung up meanwhile (the lost reply is theirs: no ring, no warning).
   */
  private async takeOver(route: string, rearmS?: number): Promise<boolean> {
    if (this.left) return false;
    const result = await this.bound.takeOver(rearmS);
    if (result.ok && !this.left) return true;
    if (this.signal.aborted) throw new CallerHungUpError();
    this.logger.warn({ route, why: result.ok ? 'the socket app returned' : result.why }, 'the call left chut before it was routed: ringing (fail-open)');
    return false;
  }

  private markRouted(): void {
    this.checkLive();
    if (!this.routed) {
      this.routed = true;
      this.onRouted();
    }
  }

  /** Throws when no verb may act any more. */
  private checkLive(): void {
    // A caller who hung up while the screener decided gets no route (the record says hung-up).
    if (this.signal.aborted) throw new CallerHungUpError();
    // The watchdog already let the call ring: that is not a hang-up (no captcha outcome, no score).
    if (this.abandoned) throw new Error('the call was already let ring (screener too slow)');
  }

  /** Executes one app and resolves with its CHANNEL_EXECUTE_COMPLETE event. */
  private async run(step: AppStep): Promise<Record<string, string>> {
    this.checkLive();
    // A transfer by the scheduler ended the socket app: what chut sends now would act on a call that is ringing.
    if (this.left) throw new Error(`${step.app} not sent: the socket app returned (dial plan bound)`);
    // A call chut could not follow must not be answered.
    const events = await this.requestEvents();
    if (events !== true) throw new Error(`myevents refused (${events}): cannot follow the call`);
    const cmd = executeCommand(step.app, step.arg);
    let cancel: (err: Error) => void = () => undefined;
    const completed = new Promise<Record<string, string>>((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`${step.app} did not complete`))), APP_TIMEOUT_MS);
      const onAbort = () => finish(() => reject(new CallerHungUpError()));
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        this.completions.delete(cmd.eventUuid);
        this.signal.removeEventListener('abort', onAbort);
        fn();
      };
      cancel = (err) => finish(() => reject(err));
      this.completions.set(cmd.eventUuid, { done: (event) => finish(() => resolve(event)), fail: cancel });
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    completed.catch(() => undefined);
    let reply;
    try {
      reply = await this.conn.send(cmd.frame);
    } catch (err) {
      // The connection is gone. Only the signal (CHANNEL_HANGUP, a disconnect notice) says the caller hung up;
      // a connection chut ended itself (reply timeout, protocol error) leaves FreeSWITCH ringing the call.
      const failure = this.signal.aborted ? new CallerHungUpError() : new Error(`${step.app} not sent: ${(err as Error).message}`);
      cancel(failure);
      throw failure;
    }
    if (!reply.ok) {
      const err = new Error(`${step.app} refused: ${shownReply(reply.text)}`);
      cancel(err);
      throw err;
    }
    const event = await completed;
    // An app cut short by the hang-up still completes (`PLAYBACK ERROR`, no digits), marked `Answer-State: hangup`:
    // that is the caller gone, not a prompt that failed (which would ring the call) nor a captcha timeout.
    if (event['Answer-State'] === 'hangup') throw new CallerHungUpError();
    return event;
  }
}
