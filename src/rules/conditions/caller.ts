/** Conditions on who is calling: list membership, caller kind, number type, packs, trust, STIR/SHAKEN. */
import type { CallerNumber, NumberType } from '../../phone/types.js';
import { describeCaller, listText, quote } from '../describe.js';
import { NUMBER_PACK_MATCHERS, type PackMatcher } from '../packs/index.js';
import type { Condition, EvalContext } from '../policy-types.js';
import type { CallerKind } from '../spec.js';

export function listCondition(list: 'allow' | 'block', match: 'exact' | 'prefix' | 'any'): Condition {
  const how = match === 'any' ? '' : ` by ${match} entry`;
  return {
    test: ({ facts }) => {
      const l = facts.reputation.listed;
      return !!l && l.list === list && (match === 'any' || l.match === match);
    },
    explain: ({ facts }, held) => {
      const l = facts.reputation.listed;
      const who = describeCaller(facts.caller);
      if (!l) return [`caller ${who} is on no ${list}list`];
      const entry = `${l.match} entry ${l.entry}${l.reason ? `, reason ${quote(l.reason)}` : ''}${l.source ? `, source ${quote(l.source, 24)}` : ''}`;
      return [held ? `caller ${who} is on the ${list}list (${entry})` : `caller ${who} is on the ${l.list}list (${entry}), not the ${list}list${how}`];
    },
  };
}

function describeKind(c: CallerNumber): string {
  if (c.kind === 'withheld') return 'caller withheld the number';
  if (c.kind === 'invalid') return `caller ID ${quote(c.raw, 32)} is invalid (${c.reason})`;
  return `caller ${c.e164} is a valid number`;
}

export function callerKindCondition(kinds: readonly CallerKind[]): Condition {
  return {
    test: ({ facts }) => kinds.includes(facts.caller.kind),
    explain: ({ facts }, held) => [held ? describeKind(facts.caller) : `${describeKind(facts.caller)}, not ${kinds.join(' or ')}`],
  };
}

export function numberTypeCondition(types: readonly NumberType[]): Condition {
  return {
    test: ({ facts }) => facts.caller.kind === 'valid' && types.includes(facts.caller.type),
    explain: ({ facts }, held) => {
      const c = facts.caller;
      if (c.kind !== 'valid') return [`caller ${describeCaller(c)} has no number type (not one of ${types.join(', ')})`];
      return [held ? `caller ${c.e164} is a ${c.type} number` : `caller ${c.e164} is a ${c.type} number, not ${types.join(' or ')}`];
    },
  };
}

export function packCondition(names: readonly string[]): Condition {
  const packs = names.map((n) => [n, NUMBER_PACK_MATCHERS.get(n) as PackMatcher] as const);
  const firstHit = (caller: CallerNumber): [string, string] | null => {
    for (const [name, match] of packs) {
      const how = match(caller);
      if (how) return [name, how];
    }
    return null;
  };
  return {
    test: ({ facts }) => firstHit(facts.caller) !== null,
    explain: ({ facts }, held) => {
      const hit = held ? firstHit(facts.caller) : null;
      const who = describeCaller(facts.caller);
      return [hit ? `caller ${who} is in pack ${hit[0]} (${hit[1]})` : `caller ${who} is in none of the packs ${names.join(', ')}`];
    },
  };
}

export function trustedCondition(want: boolean): Condition {
  const isTrusted = (until: number | null, nowMs: number): boolean => until !== null && until > nowMs;
  return {
    test: ({ facts, nowMs }) => isTrusted(facts.reputation.trustedUntil, nowMs) === want,
    explain: ({ facts, nowMs }) => {
      const until = facts.reputation.trustedUntil;
      const who = describeCaller(facts.caller);
      if (until !== null && isTrusted(until, nowMs)) return [`caller ${who} is trusted until ${new Date(until).toISOString()} (passed a captcha)`];
      return [until !== null ? `caller ${who} is not trusted (trust expired ${new Date(until).toISOString()})` : `caller ${who} is not trusted`];
    },
  };
}

/** `missing` stands for "the PBX gave no verstat at all". Compared case-insensitively. */
export function verstatCondition(values: readonly string[]): Condition {
  const wanted = new Set(values.map((v) => v.toLowerCase()));
  const current = (ctx: EvalContext): string | null => ctx.facts.verstat ?? ctx.facts.caller.verstat ?? null;
  return {
    test: (ctx) => wanted.has(current(ctx)?.toLowerCase() ?? 'missing'),
    explain: (ctx, held) => {
      const v = current(ctx);
      const fact = v === null ? 'no STIR/SHAKEN verstat (missing)' : `STIR/SHAKEN verstat is ${quote(v, 40)}`;
      return [held ? fact : `${fact}, not ${listText(values)}`];
    },
  };
}
