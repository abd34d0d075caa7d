/**
 * Rules that are valid but can never decide a call: the policy file is correct YAML with correct conditions, yet
 * the administrator's intent is lost. Pure: the compiled policy in, one sentence per problem out.
 */
import type { Policy, PolicyRule } from './policy-types.js';
import type { WhenSpec } from './spec.js';

/** Conditions that never hold for a caller without a number (withheld or invalid): nothing to look up or count. */
const NEEDS_A_NUMBER: ReadonlyArray<[keyof WhenSpec, (w: WhenSpec) => boolean]> = [
  ['list', (w) => w.list !== undefined],
  ['numberType', (w) => w.numberType !== undefined],
  ['pack', (w) => (w.pack ?? []).length > 0],
  ['rate', (w) => w.rate !== undefined],
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
  const needing = NEEDS_A_NUMBER.filter(([, holds]) => holds(rule.when)).map(([name]) => name);
  if (needing.length === 0) return null;
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
