/**
 * Rules that are valid but can never decide a call: the policy file is correct YAML with correct conditions, yet
 * the administrator's intent is lost. Pure: the compiled policy in, one sentence per problem out.
 */
import type { Policy, PolicyRule } from './policy-types.js';
import { NUMBER_PACKS } from './packs/index.js';
import type { WhenSpec } from './spec.js';

type NumberlessKind = 'withheld' | 'invalid';

/** Packs that match invalid caller IDs on their digits (de-spoofed: 112; fr-npv: overseas ranges libphonenumber rejects). */
const PACKS_FOR_INVALID = new Set(NUMBER_PACKS.filter((p) => (p.invalidDigits ?? []).length + (p.invalidDigitPrefixes ?? []).length > 0).map((p) => p.name));

/**
 * Conditions that never hold for a caller without a number (withheld or invalid): nothing to look up or count.
 * A pack condition is the exception for invalid callers when one of its packs matches their digits.
 */
const NEEDS_A_NUMBER: ReadonlyArray<[keyof WhenSpec, (w: WhenSpec, kind: NumberlessKind) => boolean]> = [
  ['list', (w) => w.list !== undefined],
  ['numberType', (w) => w.numberType !== undefined],
  ['pack', (w, kind) => (w.pack ?? []).length > 0 && (kind === 'withheld' || !(w.pack ?? []).some((p) => PACKS_FOR_INVALID.has(p)))],
  ['rate', (w) => w.rate !== undefined],
  ['score', (w) => w.score !== undefined],
  ['neighbourSpoofing', (w) => w.neighbourSpoofing !== undefined],
  ['trusted', (w) => w.trusted === true],
  ['reports', (w) => w.reports !== undefined && w.reports.min > 0],
  ['captchaFailures', (w) => w.captchaFailures !== undefined && w.captchaFailures.min > 0],
];

/** Object keys sorted at every level: two `when` blocks written in a different order compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function neverMatches(rule: PolicyRule): string | null {
  const kinds = rule.when.caller;
  if (!kinds || kinds.includes('valid')) return null;
  const numberless = kinds.filter((k): k is NumberlessKind => k === 'withheld' || k === 'invalid');
  const excludes = (kind: NumberlessKind) => NEEDS_A_NUMBER.filter(([, holds]) => holds(rule.when, kind)).map(([name]) => name);
  // dead only when every kind it is for is shut out by some condition
  if (numberless.length === 0 || numberless.some((k) => excludes(k).length === 0)) return null;
  const byKind = numberless.map(excludes);
  const forAll = byKind[0]!.filter((name) => byKind.every((names) => names.includes(name)));
  const needing = forAll.length > 0 ? forAll : [...new Set(byKind.flat())];
  return `rule "${rule.name}" never matches: it is for ${kinds.join('/')} callers, who have no number for ${needing.join(', ')}`;
}

/** Problems with the rules' order and conditions, in rule order (empty when there are none). */
export function policyWarnings(policy: Pick<Policy, 'rules'>): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const rule of policy.rules) {
    const key = canonical(rule.when);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      out.push(`rule "${rule.name}" is never reached: rule "${earlier}" before it has the same conditions`);
      continue;
    }
    seen.set(key, rule.name);
    const never = neverMatches(rule);
    if (never) out.push(never);
  }
  return out;
}
