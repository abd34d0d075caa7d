/**
 * What chut does with a channel that entered Stasis: a screened inbound call, or a feature-code call from an
 * internal phone (`Stasis(chut,report,spam|allow)`). Each runs inside a session registered in the live-calls
 * map for exactly as long as chut cares about the channel.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { captchaBoundS } from '../screening/captcha-bound.js';
import type { ScreeningService, UserReportKind } from '../screening/types.js';
import { createAriControl, type AriCallControl } from './control.js';
import type { StasisStart } from './events.js';
import { inboundCall, readVerstat } from './inbound.js';
import type { ReleaseOptions } from './release.js';
import type { AriRest } from './rest.js';
import { CallSession } from './session.js';

export interface CallDeps {
  config: Readonly<Config>;
  screening: ScreeningService;
  logger: Logger;
  rest: AriRest;
  live: Map<string, CallSession>;
  /** Hands a channel whose `continue` kept failing to the release list, which retries it until Asterisk lets it go. */
  release: (channelId: string, opts?: ReleaseOptions) => void;
  playbackTimeoutMs?: number;
  /** Digit sounds Asterisk said it lacks (digit-sounds.ts), kept up to date by the adapter. */
  missingSounds?: ReadonlySet<string>;
  /** A session still open after this long is dropped from the map (a safety net against leaks). */
  maxCallMs?: number;
  /** Told when Asterisk's STIR/SHAKEN result did not come within ari.stirShakenReadMs (the adapter warns, throttled). */
  stirShakenReadTimedOut?: () => void;
}

/** The CHUT_ROUTE values dialplan/asterisk/chut-ari.conf dispatches on: fixed, so config can never break them. */
export const ROUTE_LABELS = { ring: 'ring', voicemail: 'voicemail', reject: 'reject' } as const;

const EXTENSION = /^[A-Za-z0-9*#+_-]{1,32}$/;

/**
 * The TIMEOUT(absolute) chut arms when it answers (see dialplan/asterisk/chut-ari.conf): the longest captcha this
 * configuration allows (captcha-bound.ts), each prompt counted at most as long as chut's own playback wait. If it
 * passes anyway (longer custom prompts), the snippet's `T` rings the call: the safe direction. The leave (the route
 * variables, `continue` and its retries) fits in the helper's margin.
 */
export function answerBoundS(captcha: Config['captcha'], playbackTimeoutMs = 60_000): number {
  return captchaBoundS(captcha, playbackTimeoutMs);
}

/** `answerBound`: whether answering re-arms TIMEOUT(absolute) for a captcha (screened calls); the feature codes keep
 * the snippet's own bound, which covers a beep and a number. */
async function withSession(deps: CallDeps, ev: StasisStart, answerBound: boolean, body: (c: AriCallControl, s: CallSession, log: Logger) => Promise<void>): Promise<void> {
  const id = ev.channel.id;
  if (deps.live.has(id)) return; // a duplicate StasisStart: the first one owns the channel
  const session = new CallSession(id);
  deps.live.set(id, session);
  const log = deps.logger.child({ callId: id, pbx: 'asterisk-ari' });
  const { routes, captcha } = deps.config;
  const control = createAriControl({
    rest: deps.rest, session, logger: log, rejectStyle: routes.reject, language: captcha.language,
    labels: ROUTE_LABELS, ...(deps.missingSounds ? { missingSounds: deps.missingSounds } : {}), ...(answerBound ? { answerBoundS: answerBoundS(captcha, deps.playbackTimeoutMs) } : {}),
    ...(deps.playbackTimeoutMs ? { playbackTimeoutMs: deps.playbackTimeoutMs } : {}),
  });
  const evict = setTimeout(() => {
    session.end('evicted');
    deps.live.delete(id);
  }, deps.maxCallMs ?? 30 * 60_000);
  evict.unref();
  try {
    await body(control, session, log);
  } catch (err) {
    log.error({ err: String(err) }, 'ARI: call handling failed');
  } finally {
    clearTimeout(evict);
    // Fail-open: whatever happened above, a live channel must not stay parked in Stasis. When even this leave
    // fails, the release list takes the channel over and keeps trying: giving up here would leave dead air.
    if (!control.routed && !session.signal.aborted) {
      await control.leave().catch((err: unknown) => {
        if (session.signal.aborted) return; // 404: the caller hung up meanwhile
        log.warn({ err: String(err) }, 'ARI: fail-open continue failed, the release list takes the channel over');
        deps.release(id, { overwriteRoute: control.routeVariableSet });
      });
    }
    session.end('finished');
    deps.live.delete(id);
  }
}

/** Screens one inbound call: STIR/SHAKEN lookup, then the screener drives the route through our control. */
export function screenCall(deps: CallDeps, ev: StasisStart): Promise<void> {
  const receivedAt = Date.now();
  return withSession(deps, ev, true, async (control, session, log) => {
    // 0: Asterisk is not asked, the caller ID's own verstat (if any) is all the policy sees
    const stirShakenReadMs = deps.config.ari.stirShakenReadMs;
    // The screener keeps its own deadline, which starts once the STIR/SHAKEN read is over; this watchdog only covers
    // a screener that never routes at all, so it allows for both.
    const watchdog = setTimeout(() => {
      if (session.phase !== 'screening') return;
      log.warn('ARI: no route from the screener in time, ringing (fail-open)');
      control.leave().catch((err: unknown) => {
        if (session.signal.aborted) return;
        // the screener may never return (that is why the watchdog fired): the release list keeps trying now
        log.warn({ err: String(err) }, 'ARI: watchdog continue failed, the release list takes the channel over');
        deps.release(ev.channel.id, { overwriteRoute: control.routeVariableSet });
      });
    }, stirShakenReadMs + deps.config.screening.deadlineMs + 2000);
    try {
      const verstat = stirShakenReadMs > 0 ? await readVerstat(deps.rest, ev, stirShakenReadMs, log, deps.stirShakenReadTimedOut) : null;
      const result = await deps.screening.handleCall(inboundCall(ev, verstat, receivedAt), control);
      log.debug({ route: result.finalRoute, captcha: result.captcha }, 'ARI: call handled');
    } finally {
      clearTimeout(watchdog);
    }
  });
}

/** `*77` / `*78` from an internal phone: report the last external caller to that extension, confirm, leave. */
export function reportCall(deps: CallDeps, ev: StasisStart, kind: UserReportKind): Promise<void> {
  return withSession(deps, ev, false, async (control, _session, log) => {
    const extension = ev.channel.caller.number;
    let reported: string | null = null;
    if (EXTENSION.test(extension)) {
      reported = await deps.screening.reportLastCaller(extension, kind, 'phone').catch((err: unknown) => {
        log.warn({ err: String(err) }, 'ARI: report-last-caller failed');
        return null;
      });
    }
    log.info({ extension: EXTENSION.test(extension) ? extension : '(invalid)', kind, reported }, 'ARI: feature code');
    await control.answer();
    const digits = reported?.replace(/\D/g, '') ?? '';
    await control.play(digits ? [{ sound: 'beep' }, { digits }] : [{ sound: 'beeperr' }]);
    await control.leave(); // the snippet hangs up after Stasis returns
  });
}
