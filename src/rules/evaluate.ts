/**
 * The evaluator: pure and synchronous. Facts + policy + the instant → Decision. The first rule whose condition
 * holds decides; its reasons name the facts that made it hold. No clock, no I/O: `now` is passed in.
 */
import { foldName } from './glob.js';
import type { EvalContext, Policy } from './policy-types.js';
import type { CallFacts, Decision } from './types.js';
import { zonedTime, type ZonedTime } from './zoned-time.js';

function createContext(facts: CallFacts, now: Date): EvalContext {
  const zones = new Map<string, ZonedTime>();
  let folded: string[] | null = null;
  return {
    facts,
    now,
    nowMs: now.getTime(),
    zoned(timeZone) {
      let t = zones.get(timeZone);
      if (!t) {
        t = zonedTime(now, timeZone);
        zones.set(timeZone, t);
      }
      return t;
    },
    foldedName() {
      folded ??= foldName(typeof facts.callerName === 'string' ? facts.callerName : '');
      return folded;
    },
  };
}

export function evaluate(facts: CallFacts, policy: Policy, now: Date): Decision {
  const ctx = createContext(facts, now);
  for (const rule of policy.rules) {
    if (rule.condition.test(ctx)) {
      const decision: Decision = { action: rule.action, rule: rule.name, reasons: rule.condition.explain(ctx, true) };
      if (rule.captcha) decision.captcha = rule.captcha;
      return decision;
    }
  }
  const checked = policy.rules.length;
  return { action: policy.default, rule: 'default', reasons: [`no rule matched (${checked} checked): default action ${policy.default}`] };
}
