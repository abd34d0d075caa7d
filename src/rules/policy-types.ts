/** The compiled policy the evaluator runs, and the small interfaces its conditions share. */
import type { Action, CallFacts, CaptchaFailRoutes, LookupNeeds } from './types.js';
import type { WhenSpec } from './spec.js';
import type { ZonedTime } from './zoned-time.js';

/** One evaluation: the facts, the instant, and values computed at most once per call. */
export interface EvalContext {
  readonly facts: CallFacts;
  readonly now: Date;
  readonly nowMs: number;
  /** Wall-clock time in a zone (cached per call). */
  zoned(timeZone: string): ZonedTime;
  /** The caller name folded for matching (cached per call). */
  foldedName(): readonly string[];
}

/** A compiled condition: a fast test, and sentences that say which facts made it hold (or not). */
export interface Condition {
  test(ctx: EvalContext): boolean;
  explain(ctx: EvalContext, held: boolean): string[];
}

export interface PolicyRule {
  readonly name: string;
  readonly action: Action;
  /** Failure routes of a captcha rule, when it names them. */
  readonly captcha: Readonly<CaptchaFailRoutes> | null;
  readonly description: string | null;
  /** The condition as written (validated), for display. */
  readonly when: WhenSpec;
  readonly condition: Condition;
}

export interface Policy {
  readonly version: 1;
  /** `shadow`: decide and record as usual, but route every call to `ring` (the screener applies it). */
  readonly mode: 'enforce' | 'shadow';
  /** Default zone for time conditions that do not name one. */
  readonly timezone: string;
  readonly default: Action;
  /** In order: the first rule whose condition holds decides. */
  readonly rules: readonly PolicyRule[];
  /** Where the policy came from (a path, or a label such as `test`). */
  readonly source: string;
  readonly needs: LookupNeeds;
}
