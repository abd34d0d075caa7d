/**
 * Dialplan-driven screening (dialplan/asterisk/chut-ami.conf): a `ChutQuery` UserEvent becomes an InboundCall,
 * the screener decides, and the route goes back as channel variables set with `Setvar` on THAT channel
 * (captcha settings first, `CHUT_DECISION` last: the dialplan polls only that one). The captcha runs in the
 * dialplan, which reports its outcome with a `ChutCaptcha` UserEvent. Per-call state is bounded: dropped at
 * the outcome, at Hangup, after `callTimeoutMs`, and the oldest goes first past `maxCalls`.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { FinalRoute, InboundCall, ScreeningDecision, ScreeningService } from '../screening/types.js';
import type { AmiEvent, CaptchaReport } from './events.js';
import { captchaVariables, routeVariables, setvar } from './variables.js';
import { channelName, type AmiAction } from './values.js';

type ChutQuery = Extract<AmiEvent, { type: 'chut-query' }>;

interface PendingCaptcha {
  call: InboundCall;
  decision: ScreeningDecision;
  expiresAt: number;
  /** The context the ChutQuery came from: chut-ami.conf's `chut-screen`, where its IVR runs. */
  context: string;
}

type Hangup = Extract<AmiEvent, { type: 'hangup' }>;

/**
 * What the Hangup of a captcha call whose outcome has not come says, from where the channel ended in chut-ami.conf's
 * IVR context (the ChutQuery's, `chut-screen`) and whether it had been answered (only the IVR answers a screened call):
 * - `challenge`: the caller hung up during the captcha. `captcha-hangup` is where the snippet's h extension goes then
 *   (the Hangup event says so even when its UserEvent was lost); `captcha` once answered (a dialplan without that h).
 * - `before`: the caller hung up once chut asked for a captcha but before the IVR answered, heard nothing to be
 *   judged on. `captcha-unanswered` is where the h extension goes then; an unanswered channel ending in `h` (the
 *   snippet of 736f11f, without that step) or in `captcha` (no h extension) says the same.
 * - `lost`: anywhere else (back in the caller's context after `Return()`, or in `h` of an answered channel after the
 *   captcha was over): the outcome was lost (an AMI reconnect), or the decision reached the channel after the
 *   dialplan had stopped waiting and the call rang.
 */
function hangupKind(pending: PendingCaptcha, ev: Hangup): 'challenge' | 'before' | 'lost' {
  if (pending.context === '' || ev.context !== pending.context) return 'lost';
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
}

export interface DialplanScreening {
  handle(ev: AmiEvent): void;
  sweep(): void;
  size(): number;
  /** Resolves when every call being handled has finished (tests, shutdown). */
  idle(): Promise<void>;
  /** Resolves when the work in progress for this call (screening, recording) has finished. */
  settled(callId: string): Promise<void>;
}

export function createDialplanScreening(deps: DialplanScreeningDeps): DialplanScreening {
  const { config, screening, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const maxCalls = deps.maxCalls ?? 10_000;
  const inFlight = new Set<string>();
  const captchas = new Map<string, PendingCaptcha>();
  /** A Hangup that came while its ChutQuery was still being answered (the Setvar replies and the Hangup can arrive in
   * one read): kept until the call is pending, at most one per call in flight. */
  const hangupsInFlight = new Map<string, Hangup>();
  const running = new Set<Promise<void>>();
  /** The latest piece of work per call, so monitoring can enrich only after the record exists. */
  const byCall = new Map<string, Promise<void>>();

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

  async function onQuery(ev: ChutQuery): Promise<void> {
    const call: InboundCall = {
      pbx: 'asterisk-ami', callId: ev.uniqueid, callerNumber: ev.callerNumber, callerName: ev.callerName,
      dialled: ev.dialled, verstat: ev.verstat, receivedAt: clock(),
    };
    const log = logger.child({ callId: call.callId, pbx: call.pbx });
    const decision = await screening.screen(call);
    const finalRoute = await answer(ev, call, decision, log);
    if (finalRoute === null) {
      evictIfFull();
      const pending: PendingCaptcha = { call, decision, expiresAt: clock() + config.ami.callTimeoutMs, context: ev.context };
      captchas.set(call.callId, pending);
      const hangup = hangupsInFlight.get(call.callId);
      if (hangup) onHangup(hangup);
      return;
    }
    await screening.finishCall(call, decision, finalRoute, null);
  }

  async function onCaptcha(callId: string, outcome: CaptchaReport): Promise<void> {
    const pending = captchas.get(callId);
    if (!pending) return; // unknown, duplicate or already settled by a Hangup
    captchas.delete(callId);
    if (outcome === 'prompt-failed') {
      // The instructions did not play (a missing sound file): the caller could not know what to type, so this says
      // nothing about them. The dialplan rang the call, as the ARI adapter does when a prompt fails.
      logger.warn({ callId }, 'AMI: the captcha instructions could not be played (missing sound file?): the call rang, no outcome recorded');
      await screening.finishCall(pending.call, pending.decision, 'ring', null);
      return;
    }
    const finalRoute: FinalRoute = outcome === 'passed' ? 'ring'
      : outcome === 'failed' ? pending.decision.captcha?.onFail ?? config.captcha.onFail
      : outcome === 'timeout' ? pending.decision.captcha?.onTimeout ?? config.captcha.onTimeout : 'hung-up';
    await screening.applyCaptchaOutcome(pending.decision.caller, outcome, pending.call.verstat);
    await screening.finishCall(pending.call, pending.decision, finalRoute, outcome);
  }

  /**
   * A captcha call whose outcome never came (the AMI connection dropped during the IVR, a dialplan without the h
   * extension): it is recorded with what is known, the captcha route and no outcome, and the caller's reputation
   * is left alone.
   */
  function forget(id: string, pending: PendingCaptcha, why: string): void {
    captchas.delete(id);
    logger.warn({ callId: id }, why);
    guarded(id, async () => { await screening.finishCall(pending.call, pending.decision, 'captcha', null); });
  }

  /**
   * The Hangup of a captcha call whose outcome has not come (see hangupKind). The dialplan's h extension reports a
   * hang-up during the challenge itself; this covers a lost report, which counts as `hung-up`. A caller who hung up
   * before the IVR answered is recorded `hung-up` with no outcome, the reputation left alone. Anywhere else the call
   * is recorded without an outcome (the `captcha` route) and the caller's reputation is left alone.
   */
  function onHangup(ev: Hangup): void {
    const pending = captchas.get(ev.uniqueid);
    if (!pending) {
      if (inFlight.has(ev.uniqueid)) hangupsInFlight.set(ev.uniqueid, ev);
      return;
    }
    const kind = hangupKind(pending, ev);
    if (kind === 'challenge') {
      guarded(ev.uniqueid, () => onCaptcha(ev.uniqueid, 'hung-up'));
      return;
    }
    if (kind === 'before') {
      captchas.delete(ev.uniqueid);
      logger.info({ callId: ev.uniqueid, exten: ev.exten }, 'AMI: the caller hung up before the captcha started: recorded hung-up, with no outcome');
      guarded(ev.uniqueid, async () => { await screening.finishCall(pending.call, pending.decision, 'hung-up', null); });
      return;
    }
    forget(ev.uniqueid, pending, 'AMI: a captcha call ended outside the IVR without its outcome (lost during an AMI reconnect, '
      + 'or the decision came after the dialplan stopped waiting): recording it without an outcome');
  }

  function evictIfFull(): void {
    for (const [oldest, pending] of captchas) {
      if (captchas.size < maxCalls) break;
      forget(oldest, pending, 'AMI: too many captcha calls pending, recording the oldest without its outcome');
    }
  }

  function guarded(key: string, work: () => Promise<void>): void {
    track(key, work().catch((err: unknown) => logger.error({ callId: key, err: String(err) }, 'AMI: call handling failed')));
  }

  return {
    handle(ev) {
      if (ev.type === 'chut-query') {
        if (inFlight.has(ev.uniqueid) || captchas.has(ev.uniqueid) || inFlight.size >= maxCalls) return;
        inFlight.add(ev.uniqueid);
        guarded(ev.uniqueid, () => onQuery(ev).finally(() => {
          inFlight.delete(ev.uniqueid);
          hangupsInFlight.delete(ev.uniqueid);
        }));
      } else if (ev.type === 'chut-captcha') {
        guarded(ev.uniqueid, () => onCaptcha(ev.uniqueid, ev.outcome));
      } else if (ev.type === 'hangup') {
        onHangup(ev);
      } else if (ev.type === 'chut-report') {
        guarded(ev.uniqueid, async () => {
          const who = await screening.reportLastCaller(ev.target, ev.kind, 'feature-code');
          logger.info({ target: ev.target, kind: ev.kind, reported: who }, 'AMI: report-last-caller feature code');
        });
      }
    },
    sweep() {
      const now = clock();
      for (const [id, p] of captchas) {
        if (p.expiresAt <= now) forget(id, p, 'AMI: no captcha outcome and no hangup seen: recording the call without its outcome');
      }
    },
    size: () => captchas.size + inFlight.size,
    settled: async (callId) => { await byCall.get(callId); },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
