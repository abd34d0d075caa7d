/** Compiles a validated `when` block into a Condition once, at parse time: prefix sets, globs, clock times. */
import { callerKindCondition, listCondition, numberTypeCondition, packCondition, trustedCondition, verstatCondition } from './conditions/caller.js';
import { dialledCondition, neighbourCondition } from './conditions/dialled.js';
import { nameCondition } from './conditions/name.js';
import { atLeastCondition, rateCondition, scoreCondition } from './conditions/reputation.js';
import { timeCondition } from './conditions/time.js';
import { parseDuration } from './duration.js';
import type { Condition } from './policy-types.js';
import { DEFAULT_BLOCK_DIGITS, type WhenSpec } from './spec.js';

export interface CompileOptions {
  /** The policy's time zone, for time conditions that name none. */
  timezone: string;
}

/** Holds when every child holds; explains with all of them, or with the first that failed. */
export function allOf(children: readonly Condition[]): Condition {
  if (children.length === 1) return children[0] as Condition;
  return {
    test: (ctx) => children.every((c) => c.test(ctx)),
    explain: (ctx, held) => {
      if (held) return children.flatMap((c) => c.explain(ctx, true));
      const failed = children.find((c) => !c.test(ctx));
      return failed ? failed.explain(ctx, false) : [];
    },
  };
}

/** Holds when one child holds; explains with the first that held, or with all of them. */
export function anyOf(children: readonly Condition[]): Condition {
  return {
    test: (ctx) => children.some((c) => c.test(ctx)),
    explain: (ctx, held) => {
      if (!held) return children.flatMap((c) => c.explain(ctx, false));
      const passed = children.find((c) => c.test(ctx));
      return passed ? passed.explain(ctx, true) : [];
    },
  };
}

/** The inner condition's own sentences say why it failed, which is why `not` held. */
export function notOf(inner: Condition): Condition {
  return { test: (ctx) => !inner.test(ctx), explain: (ctx, held) => inner.explain(ctx, !held) };
}

/** Leaf conditions, cheapest first so a failing rule is dropped before time or name work is done. */
function leaves(w: WhenSpec, opts: CompileOptions): Condition[] {
  const out: Condition[] = [];
  if (w.list) out.push(listCondition(w.list, w.match ?? 'any'));
  if (w.caller) out.push(callerKindCondition(w.caller));
  if (w.trusted !== undefined) out.push(trustedCondition(w.trusted));
  if (w.numberType) out.push(numberTypeCondition(w.numberType));
  if (w.pack) out.push(packCondition(w.pack));
  if (w.dialled) out.push(dialledCondition(w.dialled));
  if (w.verstat) out.push(verstatCondition(w.verstat));
  if (w.score) out.push(scoreCondition(w.score.min, w.score.max));
  if (w.reports) out.push(atLeastCondition('spam report', (c) => c.facts.reputation.reports, w.reports.min));
  if (w.captchaFailures) out.push(atLeastCondition('failed or timed-out captcha', (c) => c.facts.reputation.captcha?.failed, w.captchaFailures.min));
  if (w.rate) {
    const r = w.rate;
    out.push(rateCondition(r.calls, parseDuration(r.within) ?? 0, r.per, r.blockDigits ?? DEFAULT_BLOCK_DIGITS));
  }
  if (w.neighbourSpoofing) out.push(neighbourCondition(w.neighbourSpoofing.digits));
  if (w.name) out.push(nameCondition(w.name.matches ?? [], w.name.contains ?? []));
  if (w.time) out.push(timeCondition(w.time, opts.timezone));
  return out;
}

export function compileWhen(w: WhenSpec, opts: CompileOptions): Condition {
  const out = leaves(w, opts);
  if (w.any) out.push(anyOf(w.any.map((child) => compileWhen(child, opts))));
  if (w.not) out.push(notOf(compileWhen(w.not, opts)));
  return allOf(out);
}
