/**
 * Dialplan-driven screening (dialplan/asterisk/chut-ami.conf): a `ChutQuery` UserEvent becomes an InboundCall,
 * the screener decides, and the route goes back as channel variables set with `Setvar` on THAT channel
 * (captcha settings first, `CHUT_DECISION` last: the dialplan polls only that one). The captcha runs in the
 * dialplan, which reports its outcome with a `ChutCaptcha` UserEvent. The snippet of `ChutVersion: 2` also reports
 * the route the call really took (`ChutRouted`: a voicemail decision whose box is missing rings, so does a decision
 * that came after the dialplan's wait), and the call is recorded with that route. Per-call state is bounded: dropped
 * at the report, at Hangup, after a bound, and the oldest goes first past `maxCalls`; a ChutQuery that comes with
 * `maxCalls` calls still being screened is ignored (the dialplan rings it after its wait), with a throttled warning.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { CaptchaOutcome } from '../reputation/types.js';
import type { FinalRoute, InboundCall, ScreeningDecision, ScreeningService } from '../screening/types.js';
import type { AmiEvent, CaptchaReport, RoutedReport } from './events.js';
import { captchaVariables, routeVariables, setvar } from './variables.js';
import { channelName, type AmiAction } from './values.js';
import { countedGrouped, pluralNoun } from '../plural.js';
import { throttledWarning } from '../throttled-warning.js';

type ChutQuery = Extract<AmiEvent, { type: 'chut-query' }>;
type ChutReport = Extract<AmiEvent, { type: 'chut-report' }>;

/** How long after the dialplan's wait a call whose route chut sent waits for its `ChutRouted` (events lost across an
 * AMI reconnect, a lagging link) before it is recorded with the route chut sent. */
export const ROUTED_GRACE_MS = 5000;

/**
 * Every chut instance logged in to this Asterisk reads every ChutQuery and ChutReport: the one that claims it in the
 * store (scope `ami` for a query, `ami-report` for a feature code, by the channel's Uniqueid) acts, the others leave
 * the call alone (and its later events: they keep no state for it). A claim lasts this long: far longer than any
 * lag between instances' AMI links, short enough that a channel sent through chut-screen again later (a transfer
 * back into the context) is screened again.
 */
export const CLAIM_TTL_MS = 60_000;

/** A ChutQuery past `maxCalls` calls in flight is ignored: said at once, then at most this often, with how many. */
const IGNORED_QUERY_WARNING_EVERY_MS = 60_000;

/** A screened call whose record waits for what the dialplan reports: its captcha outcome, the route it took, or its
 * Hangup. */
interface PendingCall {
  call: InboundCall;
  decision: ScreeningDecision;
  /** The context the ChutQuery came from: chut-ami.conf's `chut-screen`, where its IVR runs. */
  context: string;
  /** The captcha decision may have reached the dialplan: its IVR may run and report an outcome. */
  captcha: boolean;
  /** The query said ChutVersion 2: the dialplan reports the route it takes (ChutRouted). */
  reportsRoute: boolean;
  /** A captcha verdict already learned (ChutVersion 2): the call waits only for the route the IVR then takes, which
   * may not be the one the verdict leads to (a failure route to a missing mailbox rings). */
  outcome: CaptchaOutcome | null;
  /** What the call is recorded with when nothing settles it: the route chut sent (or `ring` when it could not send it
   * in time, `hung-up` when the channel was gone), `captcha` for a challenge whose outcome never came. */
  fallback: FinalRoute;
  expiresAt: number;
  cancelTimer: (() => void) | null;
}

type Hangup = Extract<AmiEvent, { type: 'hangup' }>;

/** The call went back to the caller's context: only the snippet's `ring` extension `Return()`s, so it rang. */
function returned(pending: PendingCall, ev: Hangup): boolean {
  return pending.context !== '' && ev.context !== pending.context;
}

/**
 * What the Hangup of a captcha call whose outcome has not come says, from where the channel ended in chut-ami.conf's
 * IVR context (the ChutQuery's, `chut-screen`) and whether it had been answered (only the IVR answers a screened call):
 * - `challenge`: the caller hung up during the captcha. `captcha-hangup` is where the snippet's h extension goes then
 *   (the Hangup event says so even when its UserEvent was lost); `captcha` once answered (a dialplan without that h).
 * - `before`: the caller hung up once chut asked for a captcha but before the IVR answered, heard nothing to be
 *   judged on. `captcha-unanswered` is where the h extension goes then; an unanswered channel ending in `h` (the
 *   snippet of 736f11f, without that step) or in `captcha` (no h extension) says the same.
 * - `rang`: back in the caller's context after `Return()`: the call rang, and its outcome (if the IVR ran) was lost
 *   (an AMI reconnect), or the decision reached the channel after the dialplan had stopped waiting.
 * - `lost`: anywhere else (`h` of an answered channel after the captcha was over): the outcome was lost.
 */
function hangupKind(pending: PendingCall, ev: Hangup): 'challenge' | 'before' | 'rang' | 'lost' {
  if (returned(pending, ev)) return 'rang';
  if (pending.context === '') return 'lost';
  if (ev.exten === 'captcha-hangup') return 'challenge';
  if (ev.exten === 'captcha') return ev.up ? 'challenge' : 'before';
  if (ev.exten === 'captcha-unanswered') return 'before';
  if (ev.exten === 'h' && !ev.up) return 'before';
  return 'lost';
}

export interface DialplanScreeningDeps {
  config: Readonly<Config>;
  screening: ScreeningService;
  logger: Logger;
  send: (action: AmiAction) => Promise<unknown>;
  clock?: () => number;
  maxCalls?: number;
  /** Runs `fn` after `ms` (the bound on a call waiting for its ChutRouted); returns a cancel. Default: an unref'd
   * setTimeout. Tests with their own clock pass one that never fires and call `sweep()`. */
  schedule?: (ms: number, fn: () => void) => () => void;
  /** Another chut instance claimed this call: this one leaves it alone (monitoring stops following it). */
  onClaimLost?: (callId: string) => void;
  /** A ChutQuery was ignored: `maxCalls` calls were being screened (the metrics count each one, the log only bursts). */
  onQueryIgnored?: () => void;
}

export interface DialplanScreening {
  handle(ev: AmiEvent): void;
  sweep(): void;
  size(): number;
  /** Resolves when every call being handled has finished (tests, shutdown). */
  idle(): Promise<void>;
  /** Resolves when the work in progress for this call (screening, recording) has finished. */
  settled(callId: string): Promise<void>;
  /** Shutdown: a call still waiting for its ChutRouted is recorded now with the route it was sent (a captcha still
   * running, without its outcome), and so is every call whose screening ends from now on. */
  close(): void;
}

function defaultSchedule(ms: number, fn: () => void): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

export function createDialplanScreening(deps: DialplanScreeningDeps): DialplanScreening {
  const { config, screening, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const maxCalls = deps.maxCalls ?? 10_000;
  const schedule = deps.schedule ?? defaultSchedule;
  const inFlight = new Set<string>();
  const pendingCalls = new Map<string, PendingCall>();
  /** A Hangup that came while its ChutQuery was still being answered (the Setvar replies and the Hangup can arrive in
   * one read): kept until the call is pending, at most one per call in flight. */
  const hangupsInFlight = new Map<string, Hangup>();
  /** The same for a ChutRouted (the dialplan stopped waiting and took a route while chut was still screening): the
   * first one per call in flight. */
  const routedInFlight = new Map<string, RoutedReport>();
  const running = new Set<Promise<void>>();
  /** The latest piece of work per call, so monitoring can enrich only after the record exists. */
  const byCall = new Map<string, Promise<void>>();
  let closed = false;
  // a line per call would flood the log when chut is busiest
  const queryIgnored = throttledWarning(logger, IGNORED_QUERY_WARNING_EVERY_MS, (times) =>
    `AMI: a ChutQuery came while ${countedGrouped(maxCalls, 'call')} ${pluralNoun(maxCalls, 'was', 'were')} being screened, the most ` +
    `at once: ignored, ${countedGrouped(times, 'time')} since chut started or last warned of it. ` +
    `${pluralNoun(times, 'That call', 'Each of those calls')} rang after the dialplan's wait (fail-open) and is not recorded`);

  function track(key: string, p: Promise<void>): void {
    running.add(p);
    byCall.set(key, p);
    void p.finally(() => {
      running.delete(p);
      if (byCall.get(key) === p) byCall.delete(key);
    });
  }

  async function answer(ev: ChutQuery, call: InboundCall, decision: ScreeningDecision, log: Logger): Promise<FinalRoute | null> {
    const route = decision.route;
    const deadline = call.receivedAt + ev.waitMs;
    if (clock() >= deadline) {
      log.warn({ route }, 'AMI: decision came after the dialplan stopped waiting: the call rang (fail-open)');
      return 'ring';
    }
    try {
      channelName(ev.channel);
    } catch (err) {
      // No Setvar can name this channel (a space, non-ASCII, too long…), not even a ring: send nothing, the dialplan
      // rings when its wait ends (fail-open), and the call is still recorded.
      log.warn({ route, err: String(err) }, 'AMI: the channel name cannot be used in a Setvar: nothing sent, the dialplan rings after its wait (fail-open)');
      return 'ring';
    }
    // Pipelined: Asterisk runs one session's actions in order, so CHUT_DECISION (last) lands after the rest.
    const sendAll = (vars: ReturnType<typeof routeVariables>) => vars.map(([name, value]) => deps.send(setvar(ev.channel, name, value)));
    let sent: Array<Promise<unknown>>;
    try {
      const vars = route === 'captcha'
        ? captchaVariables(config, screening.newCaptchaDigits(), decision.captcha)
        : routeVariables(config, route);
      sent = sendAll(vars);
    } catch (err) {
      // A value the dialplan must not receive (a prompt list too long for a Setvar…): say ring now rather than let
      // the dialplan wait out its timeout, and keep the call record.
      log.warn({ route, err: String(err) }, 'AMI: the decision cannot be written as dialplan variables: ringing (fail-open)');
      try {
        await Promise.all(sendAll(routeVariables(config, 'ring')));
      } catch {
        // the ring could not be set either: the dialplan rings when its wait ends
      }
      return 'ring';
    }
    try {
      await Promise.all(sent);
    } catch (err) {
      if (/no such channel/i.test(String(err))) return 'hung-up';
      log.warn({ route, err: String(err) }, 'AMI: could not set the decision: the dialplan rings (fail-open)');
      return 'ring';
    }
    if (clock() > deadline) {
      // Asterisk set the variable, but the dialplan had most likely stopped polling for it by then.
      log.warn({ route }, 'AMI: the decision was confirmed after the dialplan wait: the call most likely rang (fail-open)');
      return 'ring';
    }
    return route === 'captcha' ? null : route;
  }

  /**
   * Whether this instance acts on this event (see CLAIM_TTL_MS). The claim is one store round trip of its own (the
   * dialplan polls in 100 ms ticks, so it costs no tick in practice), bounded by the screening deadline: a claim that
   * fails or does not answer in time counts as won (fail-open: the screener then fails open to ring as well).
   */
  async function claim(scope: 'ami' | 'ami-report', id: string, log: Logger): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), config.screening.deadlineMs); });
    try {
      const won = await Promise.race([screening.claimCall(scope, id, CLAIM_TTL_MS), late]);
      if (won === 'late') {
        log.warn({ scope }, 'AMI: the store did not answer the claim in time: acting on this call (fail-open)');
        return true;
      }
      if (!won) log.debug({ scope }, 'AMI: another chut instance took this call');
      return won;
    } catch (err) {
      log.warn({ scope, err: String(err) }, 'AMI: could not claim the call in the store: acting on it (fail-open)');
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  async function onQuery(ev: ChutQuery): Promise<void> {
    const receivedAt = clock();
    const log = logger.child({ callId: ev.uniqueid, pbx: 'asterisk-ami' });
    if (!(await claim('ami', ev.uniqueid, log))) {
      deps.onClaimLost?.(ev.uniqueid);
      return;
    }
    const call: InboundCall = {
      pbx: 'asterisk-ami', callId: ev.uniqueid, callerNumber: ev.callerNumber, callerName: ev.callerName,
      dialled: ev.dialled, verstat: ev.verstat, receivedAt,
    };
    const decision = await screening.screen(call);
    const sent = await answer(ev, call, decision, log);
    // A captcha the dialplan may run (asked in time, or confirmed late: the dialplan may still have seen it) waits for
    // its outcome; with ChutVersion 2 every call waits for the route the dialplan reports. Otherwise (an older
    // snippet, shutdown) the call is recorded now with the route chut sent.
    const captcha = sent === null || (decision.route === 'captcha' && sent === 'ring');
    if (closed || (sent !== null && ev.version < 2)) {
      await screening.finishCall(call, decision, sent ?? 'captcha', null);
      return;
    }
    evictIfFull();
    const id = call.callId;
    const pending: PendingCall = {
      call, decision, context: ev.context, captcha, reportsRoute: ev.version >= 2, outcome: null, fallback: sent ?? 'captcha',
      expiresAt: 0, cancelTimer: null,
    };
    const now = clock();
    if (captcha) {
      pending.expiresAt = now + config.ami.callTimeoutMs; // the IVR can run for a while: the sweep's bound
    } else {
      const bound = Math.max(now, call.receivedAt + ev.waitMs) + ROUTED_GRACE_MS - now;
      pending.expiresAt = now + bound;
      pending.cancelTimer = schedule(bound, () => expire(id, pending));
    }
    pendingCalls.set(id, pending);
    const routed = routedInFlight.get(id);
    if (routed) await onRouted(id, routed);
    const hangup = hangupsInFlight.get(id);
    if (hangup) await onHangup(hangup);
  }

  /** Takes the call out of the pending table (once): true if it was there, as this entry. */
  function take(id: string, pending: PendingCall): boolean {
    if (pendingCalls.get(id) !== pending) return false;
    pendingCalls.delete(id);
    pending.cancelTimer?.();
    return true;
  }

  async function captchaOutcome(pending: PendingCall, outcome: CaptchaReport): Promise<void> {
    const callId = pending.call.callId;
    if (outcome === 'prompt-failed') {
      // The instructions did not play (a missing sound file): the caller could not know what to type, so this says
      // nothing about them. The dialplan rang the call, as the ARI adapter does when a prompt fails.
      logger.warn({ callId }, 'AMI: the captcha instructions could not be played (missing sound file?): the call rang, no outcome recorded');
      await screening.finishCall(pending.call, pending.decision, 'ring', null);
      return;
    }
    await screening.applyCaptchaOutcome(pending.decision.caller, outcome, pending.call.verstat);
    await screening.finishCall(pending.call, pending.decision, routeAfter(pending, outcome), outcome);
  }

  /** The route the IVR takes after a verdict, as the snippet reads CHUT_CAPTCHA_ONFAIL / _ONTIMEOUT. */
  function routeAfter(pending: PendingCall, outcome: CaptchaOutcome): FinalRoute {
    return outcome === 'passed' ? 'ring'
      : outcome === 'failed' ? pending.decision.captcha?.onFail ?? config.captcha.onFail
      : outcome === 'timeout' ? pending.decision.captcha?.onTimeout ?? config.captcha.onTimeout : 'hung-up';
  }

  /**
   * A captcha outcome. With ChutVersion 2 a verdict (passed, failed, timeout) is learned at once, but the call is
   * recorded with the route the IVR then reports: a failure route to a mailbox that does not exist rings, and the
   * record must say so (it makes the caller the last caller `*77` reports). A hang-up, a prompt that could not play,
   * or an older snippet: recorded now.
   */
  function onCaptcha(callId: string, outcome: CaptchaReport): Promise<void> | undefined {
    const pending = pendingCalls.get(callId);
    // unknown, duplicate, already settled (a Hangup, a ChutRouted), or a call chut did not ask a captcha of
    if (!pending?.captcha) return undefined;
    if (pending.reportsRoute && outcome !== 'hung-up' && outcome !== 'prompt-failed') {
      pending.captcha = false;
      pending.outcome = outcome;
      pending.fallback = routeAfter(pending, outcome);
      pending.expiresAt = clock() + config.ami.callTimeoutMs; // the thanks or goodbye words, then the route
      return guarded(callId, () => screening.applyCaptchaOutcome(pending.decision.caller, outcome, pending.call.verstat));
    }
    if (!take(callId, pending)) return undefined;
    return guarded(callId, () => captchaOutcome(pending, outcome));
  }

  /**
   * The dialplan says which route the call took (ChutVersion 2). It is recorded with that route; for a captcha call
   * whose outcome did not come (the dialplan rang without a challenge: the decision came late; or the outcome was
   * lost), with no outcome and the caller's reputation left alone. A ChutRouted after the outcome (the IVR's own
   * route) records the call with that route and the outcome.
   */
  function onRouted(callId: string, route: RoutedReport): Promise<void> | undefined {
    const pending = pendingCalls.get(callId);
    if (!pending) {
      if (inFlight.has(callId) && !routedInFlight.has(callId)) routedInFlight.set(callId, route);
      return undefined;
    }
    take(callId, pending);
    const sent = pending.decision.route;
    if (pending.captcha) {
      logger.warn({ callId, route }, 'AMI: a captcha call took its route without a captcha outcome (the decision came after the dialplan '
        + 'stopped waiting, or the outcome was lost): recorded with that route and no outcome');
    } else if (pending.fallback === 'voicemail' && route === 'ring') {
      logger.warn({ callId }, 'AMI: voicemail was decided but the dialplan rang: the mailbox does not exist, is not one plain box, or '
        + 'app_voicemail is missing (routes.voicemailMailbox, CHUT_VM_DEFAULT)');
    } else if (route !== pending.fallback) {
      logger.info({ callId, sent, route }, 'AMI: the dialplan took another route than the one chut sent: recorded with the route taken');
    }
    return guarded(callId, async () => { await screening.finishCall(pending.call, pending.decision, route, pending.outcome); });
  }

  /**
   * A call that no report settled in time: recorded with its fallback (see PendingCall), no outcome, the caller's
   * reputation left alone.
   */
  function expire(id: string, pending: PendingCall, why?: string): void {
    if (!take(id, pending)) return;
    logger.warn({ callId: id, route: pending.fallback }, why ?? (pending.captcha
      ? 'AMI: no captcha outcome and no hangup seen: recording the call without its outcome'
      : 'AMI: the dialplan did not report the route it took (ChutRouted lost?): recording the route chut sent'));
    guarded(id, async () => { await screening.finishCall(pending.call, pending.decision, pending.fallback, pending.outcome); });
  }

  /**
   * The Hangup of a call still waiting for its report. For a captcha call (see hangupKind): the dialplan's h extension
   * reports a hang-up during the challenge itself; this covers a lost report, which counts as `hung-up`. A caller who
   * hung up before the IVR answered is recorded `hung-up` with no outcome, the reputation left alone. A call back in
   * the caller's context rang (`ring`); anywhere else it is recorded with its fallback, no outcome. For a call
   * waiting for its ChutRouted (which the dialplan sends before the call can end), the caller hung up before any
   * route: `hung-up`, or `ring` if the call had gone back to the caller's context (the report was lost).
   */
  function onHangup(ev: Hangup): Promise<void> | undefined {
    const id = ev.uniqueid;
    const pending = pendingCalls.get(id);
    if (!pending) {
      if (inFlight.has(id)) hangupsInFlight.set(id, ev);
      return undefined;
    }
    if (!pending.captcha) {
      take(id, pending);
      // after a verdict the caller hung up during the thanks or goodbye: the verdict stands, with the route it led to
      const route: FinalRoute = returned(pending, ev) ? 'ring' : pending.outcome ? pending.fallback : 'hung-up';
      logger.info({ callId: id, route, exten: ev.exten }, 'AMI: the call ended before the dialplan reported a route');
      return guarded(id, async () => { await screening.finishCall(pending.call, pending.decision, route, pending.outcome); });
    }
    const kind = hangupKind(pending, ev);
    if (kind === 'challenge') return onCaptcha(id, 'hung-up');
    take(id, pending);
    if (kind === 'before') {
      logger.info({ callId: id, exten: ev.exten }, 'AMI: the caller hung up before the captcha started: recorded hung-up, with no outcome');
      return guarded(id, async () => { await screening.finishCall(pending.call, pending.decision, 'hung-up', null); });
    }
    const route: FinalRoute = kind === 'rang' ? 'ring' : pending.fallback;
    logger.warn({ callId: id, route }, 'AMI: a captcha call ended outside the IVR without its outcome (lost during an AMI reconnect, '
      + 'or the decision came after the dialplan stopped waiting): recording it without an outcome');
    return guarded(id, async () => { await screening.finishCall(pending.call, pending.decision, route, null); });
  }

  function evictIfFull(): void {
    for (const [oldest, pending] of pendingCalls) {
      if (pendingCalls.size < maxCalls) break;
      expire(oldest, pending, 'AMI: too many calls waiting for the dialplan\'s report, recording the oldest without it');
    }
  }

  /**
   * `*77`/`*78`: report the phone's last caller, then (ChutVersion 2) tell the phone how it went with CHUT_REPORTED on
   * its channel: `reported`, `nobody` (no caller to report) or `failed` (the store did not take it). The dialplan waits
   * a bounded time for it and, without it, tells the user nothing was reported.
   */
  async function onReport(ev: ChutReport): Promise<void> {
    const log = logger.child({ callId: ev.uniqueid });
    if (!(await claim('ami-report', ev.uniqueid, log))) return;
    let answer: 'reported' | 'nobody' | 'failed';
    try {
      const who = await screening.reportLastCaller(ev.target, ev.kind, 'feature-code');
      log.info({ target: ev.target, kind: ev.kind, reported: who }, 'AMI: report-last-caller feature code');
      answer = who === null ? 'nobody' : 'reported';
    } catch (err) {
      log.warn({ target: ev.target, kind: ev.kind, err: String(err) }, 'AMI: report-last-caller feature code: the report could not be made');
      answer = 'failed';
    }
    if (ev.version < 2) return; // an older snippet does not wait for an answer
    try {
      await deps.send(setvar(ev.channel, 'CHUT_REPORTED', answer));
    } catch (err) {
      log.debug({ answer, err: String(err) }, 'AMI: could not tell the phone how its report went (it hung up?)');
    }
  }

  function guarded(key: string, work: () => Promise<void>): Promise<void> {
    const p = work().catch((err: unknown) => logger.error({ callId: key, err: String(err) }, 'AMI: call handling failed'));
    track(key, p);
    return p;
  }

  return {
    handle(ev) {
      if (ev.type === 'chut-query') {
        if (inFlight.has(ev.uniqueid) || pendingCalls.has(ev.uniqueid)) return;
        if (inFlight.size >= maxCalls) {
          queryIgnored();
          deps.onQueryIgnored?.();
          return;
        }
        inFlight.add(ev.uniqueid);
        guarded(ev.uniqueid, () => onQuery(ev).finally(() => {
          inFlight.delete(ev.uniqueid);
          hangupsInFlight.delete(ev.uniqueid);
          routedInFlight.delete(ev.uniqueid);
        }));
      } else if (ev.type === 'chut-captcha') {
        onCaptcha(ev.uniqueid, ev.outcome);
      } else if (ev.type === 'chut-routed') {
        onRouted(ev.uniqueid, ev.route);
      } else if (ev.type === 'hangup') {
        onHangup(ev);
      } else if (ev.type === 'chut-report') {
        guarded(ev.uniqueid, () => onReport(ev));
      }
    },
    sweep() {
      const now = clock();
      for (const [id, p] of pendingCalls) if (p.expiresAt <= now) expire(id, p);
    },
    close() {
      closed = true;
      for (const [id, p] of pendingCalls) {
        expire(id, p, p.captcha
          ? 'AMI: stopping during the captcha: recording the call without its outcome (the IVR goes on without chut)'
          : 'AMI: stopping: recording a call still waiting for its ChutRouted with the route it was sent');
      }
    },
    size: () => pendingCalls.size + inFlight.size,
    settled: async (callId) => { await byCall.get(callId); },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
