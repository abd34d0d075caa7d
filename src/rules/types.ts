import type { CallerNumber } from '../phone/types.js';

export const ACTIONS = ['ring', 'captcha', 'voicemail', 'reject'] as const;
export type Action = (typeof ACTIONS)[number];

/** What the reputation store knew about the caller when the call arrived (all already decayed to `now`). */
export interface ReputationFacts {
  /** Allow/block list hit, exact beats prefix, longest prefix wins, allow beats block at equal length. */
  listed: {
    list: 'allow' | 'block';
    match: 'exact' | 'prefix';
    /** The E.164 number or the prefix (`+33162`) that matched. */
    entry: string;
    reason: string | null;
    source: string | null;
  } | null;
  /** Reputation score, 0 (clean) … 100 (certain spam), decayed to the lookup time. */
  score: number;
  /** Epoch ms until which the caller is trusted (passed a captcha), or null. */
  trustedUntil: number | null;
  /** User spam reports received. */
  reports: number;
  captcha: { passed: number; failed: number; hungUp: number };
  /**
   * Calls seen in sliding windows *before* this call, keyed by window length in seconds (as a string):
   * `number` for this exact caller, `block` for the caller's number block (first N digits).
   */
  recentCalls: { number: Record<string, number>; block: Record<string, number> };
}

/** Everything the rules may look at for one call. */
export interface CallFacts {
  caller: CallerNumber;
  callerName: string;
  /** Dialled number / DID as digits (with a leading `+` when international), '' when unknown. */
  dialled: string;
  /** STIR/SHAKEN verstat (`TN-Validation-Passed`, `TN-Validation-Failed`, `No-TN-Validation`…), or null. */
  verstat: string | null;
  reputation: ReputationFacts;
}

/** Where a failed or silent captcha goes, when a rule says so (else the configuration's `captcha.onFail/onTimeout`). */
export interface CaptchaFailRoutes {
  onFail?: 'voicemail' | 'reject';
  onTimeout?: 'voicemail' | 'reject';
}

export interface Decision {
  action: Action;
  /** Only on captcha decisions whose rule names its failure routes. */
  captcha?: CaptchaFailRoutes;
  /** Name of the rule that matched, or `default`. */
  rule: string;
  /** Human-readable facts the rule used, e.g. `caller +33162000000 matches fr-npv prefix +33162`. */
  reasons: string[];
}

/** What the store lookup must fetch for a policy to be evaluated. */
export interface LookupNeeds {
  /** Sliding windows, in seconds, that rate conditions use. */
  rateWindowsSec: number[];
  /** How many leading digits of the E.164 number (without `+`) form a number block. */
  blockDigits: number;
}

export const EMPTY_REPUTATION: ReputationFacts = Object.freeze({
  listed: null,
  score: 0,
  trustedUntil: null,
  reports: 0,
  captcha: Object.freeze({ passed: 0, failed: 0, hungUp: 0 }),
  recentCalls: Object.freeze({ number: Object.freeze({}), block: Object.freeze({}) }),
}) as ReputationFacts;
