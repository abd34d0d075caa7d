/** Turns what the store returned into the facts the rules see. */
import type { ReputationFacts } from '../rules/types.js';
import type { LookupResult } from '../reputation/types.js';

export function toReputationFacts(r: LookupResult): ReputationFacts {
  return {
    listed: r.listed,
    score: r.score,
    trustedUntil: r.trustedUntil,
    reports: r.reports,
    captcha: r.captcha,
    recentCalls: r.recentCalls,
  };
}
