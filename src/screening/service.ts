/** The screening service every adapter uses: screen, route (captcha included), learn, record. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { normalise, normaliseDialled, parseListEntry } from '../phone/index.js';
import type { Policy } from '../rules/index.js';
import { lastCallerToReport, reportableCaller } from '../reputation/keys.js';
import type { CaptchaOutcome, ReputationStore } from '../reputation/types.js';
import { newChallenge } from './captcha.js';
import { buildCallRecord } from './call-record.js';
import { createOutcomes } from './outcomes.js';
import { createRecorder } from './recorder.js';
import { ROUTES } from './routes/index.js';
import type { CaptchaSettings } from './run-captcha.js';
import { createScreener, maxWindowSec, safely } from './screener.js';
import type { CallControl, CallResult, Explanation, FinalRoute, InboundCall, ScreeningDecision, ScreeningObserver, ScreeningService } from './types.js';

export interface ScreeningDeps {
  store: ReputationStore;
  policy: Policy;
  config: Readonly<Config>;
  logger: Logger;
  observers?: ScreeningObserver[];
  clock?: () => number;
}

/** The service, plus what only its owner (app.ts) calls. */
export interface OwnedScreeningService extends ScreeningService {
  /**
   * Stopping, once the adapters stopped taking calls and let go of those in progress: waits for those calls to finish
   * (their fail-open ring, captcha outcome and record), then writes the call records still to write, all within
   * `withinMs`; then writes nothing more. Resolves with how many records were lost.
   */
  stop(withinMs: number): Promise<number>;
}

/** Of stop()'s time, the most the calls in progress get before the records still to write get the rest. */
const CALLS_SHARE = 0.5;

export function createScreeningService(deps: ScreeningDeps): OwnedScreeningService {
  const { store, config, logger } = deps;
  const observers = deps.observers ?? [];
  const clock = deps.clock ?? Date.now;
  const defaultCountry = config.screening.defaultCountry;
  const screener = createScreener({
    store, policy: deps.policy, defaultCountry, deadlineMs: config.screening.deadlineMs, logger, observers, clock,
  });
  const outcomes = createOutcomes({ store, config, logger, observers, clock });
  const recorder = createRecorder({
    store, logger, observers,
    blockDigits: screener.needs.blockDigits,
    maxWindowSec: maxWindowSec(screener.needs),
    streamMaxLen: config.screening.streamMaxLen,
  });
  const newCaptchaDigits = (): string => newChallenge(config.captcha.length);
  const prompts = config.captcha.prompts[config.captcha.language] ?? config.captcha.prompts.en ?? Object.values(config.captcha.prompts)[0];
  if (!prompts) throw new Error('captcha.prompts has no prompt set');
  const captchaSettings: CaptchaSettings = {
    attempts: config.captcha.attempts, length: config.captcha.length, prompts, newDigits: newCaptchaDigits,
    firstDigitTimeoutMs: config.captcha.firstDigitTimeoutMs, interDigitTimeoutMs: config.captcha.interDigitTimeoutMs,
  };

  async function screen(call: InboundCall): Promise<ScreeningDecision> {
    const { decision } = await screener.screen(call);
    for (const o of observers) safely(() => o.onDecision?.(decision, call));
    return decision;
  }

  async function applyCaptcha(e164: string | null, outcome: CaptchaOutcome, verstat?: string | null): Promise<void> {
    if (!e164) return;
    try {
      await outcomes.captcha(e164, outcome, verstat);
    } catch (err) {
      logger.warn({ caller: e164, outcome, err: String(err) }, 'could not store the captcha outcome');
      for (const o of observers) safely(() => o.onStoreError?.('applyOutcome', err));
    }
  }

  async function finishCall(call: InboundCall, decision: ScreeningDecision, finalRoute: FinalRoute, captcha: CaptchaOutcome | null) {
    const rec = buildCallRecord(call, decision, finalRoute, captcha);
    await recorder.record(rec, decision);
    return rec;
  }

  async function executeRoute(control: CallControl, decision: ScreeningDecision, log: Logger) {
    try {
      return await ROUTES[decision.route]({
        control, decision, logger: log, voicemailMailbox: config.routes.voicemailMailbox, captcha: captchaSettings,
        onCaptchaFail: decision.captcha?.onFail ?? config.captcha.onFail,
        onCaptchaTimeout: decision.captcha?.onTimeout ?? config.captcha.onTimeout,
      });
    } catch (err) {
      if (control.signal.aborted) return { finalRoute: 'hung-up' as const, captcha: null };
      log.warn({ err: String(err), route: decision.route }, 'route failed: trying to ring (fail-open)');
      await control.ring().catch((e: unknown) => log.warn({ err: String(e) }, 'fail-open ring failed too'));
      return { finalRoute: 'ring' as const, captcha: null };
    }
  }

  /** handleCall and finishCall runs not finished yet: stop() waits for them before the records are written. */
  const inProgress = new Set<Promise<unknown>>();
  function tracked<T>(run: Promise<T>): Promise<T> {
    inProgress.add(run);
    const untrack = () => { inProgress.delete(run); };
    run.then(untrack, untrack);
    return run;
  }

  async function stop(withinMs: number): Promise<number> {
    const started = Date.now();
    if (inProgress.size) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, withinMs * CALLS_SHARE); });
      await Promise.race([Promise.allSettled([...inProgress]), bound]);
      clearTimeout(timer);
      if (inProgress.size) logger.warn({ calls: inProgress.size }, 'stopping: no longer waiting for the calls still in progress: their records are lost');
    }
    return recorder.close(Math.max(0, withinMs - (Date.now() - started)));
  }

  async function handleCall(call: InboundCall, control: CallControl): Promise<CallResult> {
    const { decision } = await screener.screen(call);
    for (const o of observers) safely(() => o.onDecision?.(decision, call));
    const log = logger.child({ callId: call.callId, pbx: call.pbx });
    const { finalRoute, captcha } = await executeRoute(control, decision, log);
    const e164 = decision.caller.number.kind === 'valid' ? decision.caller.number.e164 : null;
    if (captcha) await applyCaptcha(e164, captcha, call.verstat ?? decision.caller.number.verstat);
    const rec = await finishCall(call, decision, finalRoute, captcha);
    return { decision, finalRoute, captcha, record: rec };
  }

  async function explain(rawNumber: string, opts: { dialled?: string; callerName?: string } = {}): Promise<Explanation> {
    const caller = normalise(rawNumber, opts.callerName ?? '', { defaultCountry });
    // normalised as a call's is, or a rule on the DID would explain differently from the call itself
    const dialled = normaliseDialled(opts.dialled ?? '', defaultCountry);
    const { decision, facts } = await screener.decide(caller, dialled, null);
    const entry = caller.number.kind === 'valid' ? parseListEntry(caller.number.e164, defaultCountry) : null;
    const listEntries = entry && !('error' in entry) ? await store.getListEntry(entry) : [];
    return { decision, facts, listEntries };
  }

  return {
    stop,
    screen,
    handleCall: (call, control) => tracked(handleCall(call, control)),
    newCaptchaDigits,
    finishCall: (call, decision, finalRoute, captcha) => tracked(finishCall(call, decision, finalRoute, captcha)),
    explain,
    applyCaptchaOutcome: (caller, outcome, verstat) => applyCaptcha(caller.number.kind === 'valid' ? caller.number.e164 : null, outcome, verstat ?? caller.number.verstat),
    reportNumber: (e164, kind, source) => outcomes.report(e164, kind, source),
    async reportLastCaller(target, kind, source) {
      // Calls are remembered under the dialled number as chut normalised it: a phone whose caller ID is its DID in
      // national form (0100000000) finds that DID's last caller (+33100000000), not the last caller to anyone.
      const dialled = normaliseDialled(String(target ?? ''), defaultCountry) || String(target ?? '');
      // a call Redis has not taken yet (kept through an outage) is newer than any it holds: the kept records answer
      // first, for the line and for "the last caller to anyone" alike (lastCallerToReport: a known line never falls
      // back to anyone's caller)
      const kept = recorder.keptLastCaller(dialled);
      const e164 = kept.line !== undefined
        ? reportableCaller(kept.line)
        : lastCallerToReport(await store.lastCallerState(dialled).then((s) => ({
          line: s.line, known: s.known || kept.known, any: kept.any ?? s.any,
        })));
      if (e164) await outcomes.report(e164, kind, source);
      return e164;
    },
    claimCall: (scope, id, ttlMs) => store.claimCall(scope, id, ttlMs),
    async enrichCall(callId, enrichment) {
      try {
        await store.enrichCall(callId, enrichment);
      } catch (err) {
        logger.warn({ callId, err: String(err) }, 'could not store call enrichment');
        for (const o of observers) safely(() => o.onStoreError?.('enrichCall', err));
      }
    },
  };
}
