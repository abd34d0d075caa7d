/**
 * `CallControl` over ARI for one channel. Routes leave Stasis with a plain `continue` (no target): the
 * snippet's next priority dispatches on `CHUT_ROUTE`, and anything unexpected there (variable unset, chut
 * gone, STASISSTATUS=FAILED) falls to ring. So no `continue` from chut can ever land in a missing context.
 * Ring sets nothing (unless a failed attempt left a route to overwrite) and never answers (answering starts the
 * caller's billing; only the captcha answers).
 */
import type { Logger } from '../logger.js';
import type { RejectStyle } from '../config.js';
import { CallerHungUpError, type AskDigitsRequest, type CallControl, type PromptItem } from '../screening/types.js';
import { MAILBOX, voicemailBoxExists } from './mailbox.js';
import { promptPlaybacks } from './media.js';
import { AriHttpError, type AriRest } from './rest.js';
import { AriEventsLostError, type CallSession } from './session.js';

export interface RouteLabels {
  ring: string;
  voicemail: string;
  reject: string;
}

export interface AriControlOptions {
  rest: AriRest;
  session: CallSession;
  logger: Logger;
  labels: RouteLabels;
  rejectStyle: RejectStyle;
  language: string;
  /** Sounds Asterisk said it lacks: a playback that needs one is refused (the call rings) rather than half heard. */
  missingSounds?: ReadonlySet<string>;
  /** Longest wait for a PlaybackFinished that may never come (events lost while the WebSocket was down). */
  playbackTimeoutMs?: number;
  /** Delays between `continue` retries after a failure other than "channel gone". */
  continueRetryMs?: readonly number[];
  /** Seconds set as the channel's TIMEOUT(absolute) just before answering. The snippet bounds the time a call may
   * spend in Stasis (chut dead, frozen or cut off: the bound passes and the dialplan rings it); that bound covers
   * screening, not a captcha, so answering re-arms it to cover the longest interaction. Unset: not re-armed. */
  answerBoundS?: number;
}

export interface AriCallControl extends CallControl {
  /** Whether the channel has been sent back to the dialplan. */
  readonly routed: boolean;
  /** Whether a leave put (or tried to put) CHUT_ROUTE on the channel: a release after failed leaves must set it
   * back to ring, or the snippet would still dispatch to the abandoned route. */
  readonly routeVariableSet: boolean;
  /** Plain `continue`, used by the feature codes and the fail-open paths. Sent once per call: a repeat with the
   * same variables shares the first one's promise; with other variables it rejects with AriAlreadyLeavingError. */
  leave(vars?: Record<string, string>): Promise<void>;
}

/** The channel is already on its way out of Stasis towards another route: this request can no longer be honoured. */
export class AriAlreadyLeavingError extends Error {
  override readonly name = 'AriAlreadyLeavingError';
  constructor(readonly refused: string, readonly leavingTo: string) {
    super(`ARI: the channel is already leaving Stasis (${leavingTo}); ${refused} not sent`);
  }
}

/** A voicemail or reject route that did not happen: the channel was not in chut's hands to send there (it had left
 * Stasis and rung), or the route variable could not be set. Thrown so that the screener's fail-open path rings the
 * call and the record names the route the caller really got. */
export class AriRouteNotTakenError extends Error {
  override readonly name = 'AriRouteNotTakenError';
  constructor(readonly route: string, why: string) {
    super(`ARI: ${route} not taken: ${why}`);
  }
}

/**
 * A request that must reach Asterisk once per call although several paths may ask for it (the watchdog, the route,
 * the fail-open `finally`). A caller arriving while it is in flight, or after it succeeded, gets the same promise
 * and sends nothing. A failure is forgotten so that a later caller may try again: see `leave` and `answer` for why
 * that is safe.
 */
class OneShot {
  private pending: Promise<void> | null = null;

  /** The run in flight or already succeeded, if any. */
  get current(): Promise<void> | null {
    return this.pending;
  }

  run(send: () => Promise<void>): Promise<void> {
    if (this.pending) return this.pending;
    const attempt = send();
    this.pending = attempt;
    attempt.catch(() => {
      if (this.pending === attempt) this.pending = null;
    });
    return attempt;
  }
}

/** DELETE /playbacks/{id} before a fail-open leave: short, as it only spares the caller the rest of a prompt. */
const STOP_PLAYBACK_TIMEOUT_MS = 1000;

function sameVars(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export function createAriControl(o: AriControlOptions): AriCallControl {
  const { rest, session, logger } = o;
  const path = `/channels/${encodeURIComponent(session.channelId)}`;
  const retryDelays = o.continueRetryMs ?? [50, 250, 1000];
  let routed = false;
  let playbackSeq = 0;
  const leaving = new OneShot();
  /** The variables the current (in flight or done) leave set: its route. */
  let leavingWith: Record<string, string> = {};
  const answering = new OneShot();
  /** The captcha's question playbacks (digits armed) that may still be playing or queued: each added before its `play`
   * is sent (the request can reach Asterisk although its reply is lost), `answered` once Asterisk replied to it, removed
   * once a PlaybackFinished said it ended or a stop worked. The closing words (thanks, goodbye) are never here: they
   * play to their end whatever the route. */
  const question = new Map<string, { answered: boolean }>();

  /**
   * Asterisk runs a channel's commands one after the other (res/stasis/control.c), a playback holding the queue until
   * it ends: a `continue` (or a variable set) sent in the middle of a prompt takes effect only once the caller has
   * heard the whole prompt. A captcha question cut short by a failure (event stream lost, playback timeout, chut
   * stopping) is therefore stopped (res_stasis_playback.c: PlaybackFinished `done`, then the queue goes on), so the
   * call rings at once. Not awaited: the stop acts outside that queue, so nothing waits on it. A playback is forgotten
   * only once the stop worked, or was answered 404 after Asterisk had taken its `play` (a 404 before that, on another
   * pooled connection, may precede the play itself: the next leave stops it again).
   */
  function stopQuestion(): void {
    for (const [id, p] of question) {
      void rest.request('DELETE', `/playbacks/${encodeURIComponent(id)}`, undefined, STOP_PLAYBACK_TIMEOUT_MS).then(
        () => { question.delete(id); },
        (err: unknown) => {
          if (gone(err) && p.answered) question.delete(id);
          else if (!gone(err)) logger.debug({ err: String(err), playbackId: id }, 'ARI: could not stop a playback before leaving');
        },
      );
    }
  }
  // Lost events during the question end in a fail-open ring (its answer can no longer be read): stop it now (also when
  // chut is stopping, whose release may send the `continue` itself).
  session.eventsLost.addEventListener('abort', stopQuestion, { once: true });

  function gone(err: unknown): boolean {
    return err instanceof AriHttpError && err.status === 404;
  }

  /** Why the call's waits ended: the caller gone, or the channel out of our hands (a plain error: never a hang-up). */
  function endedError(): Error {
    if (session.callerGone.aborted) return new CallerHungUpError();
    return new Error(`ARI: the channel is no longer in chut's hands (${session.endReason ?? 'ended'})`);
  }

  function checkAlive(): void {
    if (session.signal.aborted) throw endedError();
    if (session.eventsLost.aborted) throw new AriEventsLostError();
  }

  /** 404 means the caller hung up between our requests: make the state machine say so, then throw. */
  function rethrow(err: unknown): never {
    if (gone(err)) {
      session.end('hung-up');
      throw new CallerHungUpError();
    }
    throw err;
  }

  /** How a route variable set went: null (set), `left` (409: the channel is no longer in Stasis), `gone` (404: the
   * caller hung up), `failed` (anything else). Never throws: the caller decides what a failure means for its route. */
  async function setVar(name: string, value: string): Promise<'left' | 'gone' | 'failed' | null> {
    try {
      await rest.request('POST', `${path}/variable`, { variable: name, value });
      return null;
    } catch (err) {
      logger.warn({ err: String(err), variable: name }, 'ARI: could not set a route variable');
      if (gone(err)) return 'gone';
      return err instanceof AriHttpError && err.status === 409 ? 'left' : 'failed';
    }
  }

  /** A `continue` went out without an answer (transport error): it may have reached Asterisk, so a later 409 may be
   * the channel leaving Stasis through it. */
  let continueMaybeSent = false;

  /** `sent`: Asterisk took our `continue` (or, after one that may have reached it, says the channel already left);
   * `left`: a 409 for a channel that left Stasis without chut (the snippet's bound rang it, or its StasisEnd was lost). */
  async function sendContinue(): Promise<'sent' | 'left'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await rest.request('POST', `${path}/continue`);
        return 'sent';
      } catch (err) {
        if (gone(err)) rethrow(err);
        // 409: the channel already left Stasis; the dialplan has it, which is all a ring wants
        if (err instanceof AriHttpError && err.status === 409) return continueMaybeSent ? 'sent' : 'left';
        if (!(err instanceof AriHttpError)) continueMaybeSent = true;
        const delay = retryDelays[attempt];
        if (delay === undefined || session.signal.aborted) throw err;
        logger.warn({ err: String(err), attempt: attempt + 1 }, 'ARI: continue failed, retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  const routeOf = (vars: Record<string, string>): string => vars.CHUT_ROUTE ?? o.labels.ring;

  /**
   * Sends the channel back to the dialplan once, however many paths ask (the watchdog and the route can race, and
   * the fail-open `finally` follows both): a second `continue` would at best get a 409, at worst move a channel
   * that has gone on, and a late route's variables would change the dispatch of a channel already leaving. A
   * caller asking for the same route shares the first one's promise; one asking for another route is refused with
   * AriAlreadyLeavingError and nothing sent (the route it wanted will not happen: its caller's fail-open then
   * rings, which joins the leave in progress, so the call record names the route the call really took).
   * After a failure a new attempt is allowed: the failed one already retried, and giving up would leave the caller
   * parked in silence, which fail-open forbids. A retry cannot continue the call twice: a `continue` that reached
   * Asterisk despite the error leaves the channel out of Stasis, so the retry gets the 409 that counts as routed;
   * and a 404 (caller gone) ends the session, so the retry throws CallerHungUpError without sending anything.
   */
  function leave(vars: Record<string, string> = {}): Promise<void> {
    const current = leaving.current;
    if (!current) {
      leavingWith = vars;
      return leaving.run(() => leaveStasis(vars));
    }
    if (sameVars(vars, leavingWith)) return current;
    logger.warn({ refused: routeOf(vars), leavingTo: routeOf(leavingWith) }, 'ARI: route refused, the channel is already leaving');
    return Promise.reject(new AriAlreadyLeavingError(routeOf(vars), routeOf(leavingWith)));
  }

  async function leaveStasis(vars: Record<string, string>): Promise<void> {
    // Only a hang-up stops us: with the event stream lost, REST still works and the call must still leave.
    if (session.callerGone.aborted) throw new CallerHungUpError();
    // voicemail or reject: the dialplan takes that route only if chut hands it the channel with CHUT_ROUTE set;
    // any channel that left Stasis otherwise (the snippet's bound, plain `continue`, stop()) is rung
    const chosen = vars.CHUT_ROUTE !== undefined && vars.CHUT_ROUTE !== o.labels.ring ? vars.CHUT_ROUTE : null;
    // Left Stasis without us (the snippet's time limit rang it) or let go at stop (which rang it): nothing left to
    // send. That is a ring; a route that was not taken must not be reported as taken.
    if (session.signal.aborted) {
      if (chosen) throw new AriRouteNotTakenError(chosen, `the channel left Stasis without chut (${session.endReason ?? 'ended'}) and rang`);
      return;
    }
    const before = session.phase;
    session.transition('leaving');
    try {
      // A voicemail or reject leave whose continue failed left its CHUT_ROUTE behind: the fail-open ring must
      // overwrite it, or the dialplan would still dispatch the call there instead of ringing it.
      const toSet = session.routeVariableSet && vars.CHUT_ROUTE === undefined ? { ...vars, CHUT_ROUTE: o.labels.ring } : vars;
      if (toSet.CHUT_ROUTE !== undefined) session.routeVariableSet = true;
      stopQuestion(); // the variables and the continue would otherwise wait for the end of a question still playing
      const set = await Promise.all(Object.entries(toSet).map(async ([k, v]) => [k, await setVar(k, v)] as const));
      if (set.some(([, r]) => r === 'gone')) {
        session.end('hung-up');
        throw new CallerHungUpError();
      }
      if (chosen) {
        // 409: the channel is out of Stasis already, and it rang; without CHUT_ROUTE (Asterisk refused it) the snippet
        // would ring it too. Either way the route is not taken: the screener's fail-open ring follows (and overwrites
        // a CHUT_ROUTE that may have been set after all), so the record names the ring the caller got.
        if (set.some(([, r]) => r === 'left')) throw new AriRouteNotTakenError(chosen, 'the channel had already left Stasis (409)');
        if (set.some(([k, r]) => k === 'CHUT_ROUTE' && r !== null)) throw new AriRouteNotTakenError(chosen, 'CHUT_ROUTE could not be set');
      }
      const sent = await sendContinue();
      if (sent === 'left' && chosen) throw new AriRouteNotTakenError(chosen, 'the channel had already left Stasis (409 on continue)');
      routed = true;
    } catch (err) {
      if (session.phase === 'leaving') session.phase = before;
      throw err;
    }
  }

  /** Plays a prompt as promptPlaybacks() splits it, each playback waited for and checked in turn. */
  async function playAndWait(prompt: readonly PromptItem[], armDigits = false): Promise<void> {
    checkAlive();
    const { playbacks, refused } = promptPlaybacks(prompt);
    if (refused.length) logger.warn({ refused }, 'ARI: prompt items refused (invalid names)');
    if (playbacks.length === 0) {
      if (armDigits) session.keepDigits();
      return;
    }
    const lacking = playbacks.flat().map((uri) => uri.slice('sound:'.length)).filter((sound) => o.missingSounds?.has(sound));
    if (lacking.length) throw new Error(`ARI: prompt cannot play: Asterisk has no sound ${[...new Set(lacking)].join(', ')}`);
    // Digits typed before the end of the last playback are discarded: each playback re-arms the buffer.
    for (const media of playbacks) await playOne(media, armDigits);
  }

  async function playOne(media: string[], armDigits: boolean): Promise<void> {
    playbackSeq += 1;
    const playbackId = `chut-${session.channelId}-${playbackSeq}`;
    const finished = session.expectPlayback(playbackId);
    if (armDigits) session.armDigits(playbackId);
    const tracked = armDigits ? { answered: false } : null;
    if (tracked) question.set(playbackId, tracked);
    try {
      await rest.request('POST', `${path}/play`, { media, lang: o.language, playbackId });
      if (tracked) tracked.answered = true;
    } catch (err) {
      session.forgetPlayback(playbackId);
      // an answer from Asterisk means nothing was queued; a transport error may hide a playback that is playing
      if (err instanceof AriHttpError) question.delete(playbackId);
      rethrow(err);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), o.playbackTimeoutMs ?? 60_000);
    });
    const state = await Promise.race([finished, timeout]);
    clearTimeout(timer);
    session.forgetPlayback(playbackId);
    // 'timeout' (no PlaybackFinished in time) and 'lost' (event stream gone) say nothing of the playback's end
    if (state !== 'timeout' && state !== 'lost') question.delete(playbackId);
    checkAlive();
    if (armDigits) session.keepDigits(); // no-op when the PlaybackFinished already switched it on
    // A prompt nobody heard (missing sound file, timeout) must not turn into a failed captcha: throwing makes
    // the screener ring the call instead.
    if (state !== 'done') throw new Error(`ARI: prompt did not play (playback ${state}: ${media.join(', ').slice(0, 120)})`);
  }

  async function sendAnswer(): Promise<void> {
    session.transition('interacting');
    try {
      // The bound first: if it cannot be extended, the captcha would be cut by it, so none starts (the caller
      // rings instead, unanswered, through the screener's fail-open path).
      if (o.answerBoundS !== undefined) {
        await rest.request('POST', `${path}/variable`, { variable: 'TIMEOUT(absolute)', value: String(o.answerBoundS) });
      }
      // the stream broke while the bound was being set: no captcha can be followed, so the caller is not answered
      checkAlive();
      await rest.request('POST', `${path}/answer`);
    } catch (err) {
      rethrow(err);
    }
  }

  /**
   * Answers once per call: later callers share the first answer. Never once the channel is leaving: answering
   * starts the caller's billing, and a channel the watchdog is sending to ring must not be answered by a captcha
   * that started late. A failed answer may be tried again (a 404 has ended the session, so that retry throws
   * CallerHungUpError before sending; Asterisk answers 204 to an answer on an answered channel in any case).
   */
  async function answer(): Promise<void> {
    checkAlive();
    if (leaving.current) throw new AriAlreadyLeavingError('answer', routeOf(leavingWith));
    return answering.run(sendAnswer);
  }

  /** Digits typed from now on; anything typed before this call (during the prompt) was never listened to. */
  function collect(req: AskDigitsRequest): Promise<string> {
    return new Promise((resolve, reject) => {
      let typed = '';
      let timer = setTimeout(done, req.firstDigitTimeoutMs);
      function stop(): void {
        clearTimeout(timer);
        session.onDigit(null);
        session.signal.removeEventListener('abort', onAbort);
        session.eventsLost.removeEventListener('abort', onAbort);
      }
      function done(): void {
        stop();
        resolve(typed);
      }
      function onAbort(): void {
        stop();
        reject(session.signal.aborted ? endedError() : new AriEventsLostError());
      }
      if (session.signal.aborted || session.eventsLost.aborted) return onAbort();
      session.signal.addEventListener('abort', onAbort, { once: true });
      session.eventsLost.addEventListener('abort', onAbort, { once: true });
      session.onDigit((digit) => {
        typed += digit;
        clearTimeout(timer);
        if (digit === '#' || typed.length >= req.maxDigits) done();
        else timer = setTimeout(done, req.interDigitTimeoutMs);
      });
    });
  }

  const labels = o.labels;
  return {
    get signal() { return session.callerGone; },
    get routed() { return routed; },
    get routeVariableSet() { return session.routeVariableSet; },
    leave,
    answer,
    async askDigits(req) {
      await playAndWait(req.prompt, true);
      return collect(req);
    },
    play: (prompt) => playAndWait(prompt),
    ring: () => leave(),
    async toVoicemail(mailbox) {
      const vars: Record<string, string> = { CHUT_ROUTE: labels.voicemail };
      // already leaving: join that same leave or be refused at once, without asking Asterisk about a box for a
      // channel on its way out (it may be gone by the time it answers, which would read as a hang-up)
      if (leaving.current) {
        await leave(mailbox && MAILBOX.test(mailbox) ? { ...vars, CHUT_MAILBOX: mailbox } : vars);
        return 'voicemail' as const;
      }
      if (mailbox && MAILBOX.test(mailbox)) {
        // Asked before leaving: once the call is back in the dialplan a failed VoiceMail() rings it unseen by chut.
        const check = await voicemailBoxExists(rest, path, mailbox).catch(rethrow);
        if (!check.exists) {
          logger.warn({ mailbox, why: check.why }, 'ARI: voicemail box unusable: the call rings instead');
          await leave();
          return 'ring' as const;
        }
        vars.CHUT_MAILBOX = mailbox;
      }
      await leave(vars);
      return 'voicemail' as const;
    },
    reject: async () => (await leave({ CHUT_ROUTE: labels.reject, CHUT_REJECT: o.rejectStyle }), 'reject' as const),
  };
}
