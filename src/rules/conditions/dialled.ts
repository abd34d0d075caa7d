/** Conditions on the number that was dialled: the DID itself, and neighbour spoofing. */
import { callingCodeLength } from '../calling-codes.js';
import { describeCaller, listText, quote } from '../describe.js';
import { compilePrefixes } from '../prefixes.js';
import type { Condition } from '../policy-types.js';

/** Separators dropped and `00` read as `+`, so `+33 1 23…`, `0033123…` and `+33123…` compare equal. */
export function canonicalDialled(text: string): string {
  const compact = text.replace(/[\s.()-]/g, '');
  return compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
}

/** Entries are exact DIDs, or prefixes ending in `*`, compared with the dialled number as chut normalises it: E.164
 * for a valid number (so national forms are refused at validation), else the PBX's digits (extensions). */
export function dialledCondition(entries: readonly string[]): Condition {
  const exact = new Set(entries.filter((e) => !e.endsWith('*')).map(canonicalDialled));
  const prefixes = entries.filter((e) => e.endsWith('*')).map((e) => canonicalDialled(e.slice(0, -1)));
  const byPrefix = compilePrefixes(prefixes);
  const hit = (dialled: string): string | null => {
    const d = canonicalDialled(dialled);
    if (exact.has(d)) return d;
    const p = byPrefix(d);
    return p === null ? null : `${p}*`;
  };
  return {
    test: ({ facts }) => facts.dialled !== '' && hit(facts.dialled) !== null,
    explain: ({ facts }, held) => {
      const d = facts.dialled === '' ? '(unknown)' : quote(facts.dialled, 24);
      const h = held ? hit(facts.dialled) : null;
      return [h ? `dialled number ${d} matches ${h}` : `dialled number ${d} is not one of ${listText(entries)}`];
    },
  };
}

/**
 * The caller pretends to be a neighbour of the callee: same country calling code and the same first `digits`
 * digits of the national significant number as the dialled number, or exactly the dialled number. Only an
 * international (E.164) dialled number can be compared; extensions never match.
 */
export function neighbourCondition(digits: number): Condition {
  const check = (callerE164: string, dialled: string): 'equal' | 'shared' | null => {
    const d = canonicalDialled(dialled);
    if (!d.startsWith('+')) return null;
    if (d === callerE164) return 'equal';
    const a = callerE164.slice(1);
    const b = d.slice(1);
    const cc = callingCodeLength(a);
    if (a.slice(0, cc) !== b.slice(0, cc) || a.length < cc + digits || b.length < cc + digits) return null;
    return a.slice(cc, cc + digits) === b.slice(cc, cc + digits) ? 'shared' : null;
  };
  return {
    test: ({ facts }) => facts.caller.kind === 'valid' && check(facts.caller.e164, facts.dialled) !== null,
    explain: ({ facts }, held) => {
      const c = facts.caller;
      const d = facts.dialled === '' ? '(unknown)' : quote(facts.dialled, 24);
      const how = held && c.kind === 'valid' ? check(c.e164, facts.dialled) : null;
      if (how === 'equal') return [`caller ${c.kind === 'valid' ? c.e164 : ''} equals the dialled number (neighbour spoofing)`];
      if (how === 'shared') return [`caller ${describeCaller(c)} shares the first ${digits} national digits of dialled ${d} (neighbour spoofing)`];
      return [`caller ${describeCaller(c)} does not share the first ${digits} national digits of dialled ${d}`];
    },
  };
}
