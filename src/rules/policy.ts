/** Reading a policy: YAML text → validated spec → compiled, frozen Policy. Throws PolicyError with every problem. */
import { compileWhen } from './compile.js';
import { parseDuration } from './duration.js';
import { PolicyError } from './errors.js';
import type { Policy, PolicyRule } from './policy-types.js';
import { DEFAULT_BLOCK_DIGITS, type PolicySpec, type WhenSpec } from './spec.js';
import type { LookupNeeds } from './types.js';
import { validatePolicy } from './validate.js';
import { readYamlFile } from '../yaml-text.js';

function collectRates(w: WhenSpec, windows: Set<number>, digits: Set<number>): void {
  if (w.rate) {
    windows.add(parseDuration(w.rate.within) ?? 0);
    if (w.rate.per === 'block') digits.add(w.rate.blockDigits ?? DEFAULT_BLOCK_DIGITS);
  }
  w.any?.forEach((child) => collectRates(child, windows, digits));
  if (w.not) collectRates(w.not, windows, digits);
}

/** What the store must fetch: every rate window (seconds, ascending) and the one block size. */
function computeNeeds(spec: PolicySpec): LookupNeeds {
  const windows = new Set<number>();
  const digits = new Set<number>();
  for (const r of spec.rules) collectRates(r.when, windows, digits);
  return { rateWindowsSec: [...windows].sort((a, b) => a - b), blockDigits: [...digits][0] ?? DEFAULT_BLOCK_DIGITS };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function parsePolicy(yamlText: string, source: string): Policy {
  const result = validatePolicy(yamlText);
  if ('problems' in result) throw new PolicyError(source, result.problems);
  const { spec } = result;
  const rules: PolicyRule[] = spec.rules.map((r) => ({
    name: r.name,
    action: r.action,
    captcha: r.captcha ? Object.freeze({ ...r.captcha }) : null,
    description: r.description ?? null,
    when: deepFreeze(r.when),
    condition: Object.freeze(compileWhen(r.when, { timezone: spec.timezone })),
  }));
  return Object.freeze({
    version: 1 as const,
    mode: spec.mode,
    timezone: spec.timezone,
    default: spec.default,
    rules: Object.freeze(rules.map((r) => Object.freeze(r))),
    source,
    needs: deepFreeze(computeNeeds(spec)),
  });
}

export function loadPolicyFile(path: string): Policy {
  let contents: { text: string } | { problem: string };
  try {
    contents = readYamlFile(path);
  } catch (err) {
    throw new PolicyError(path, [`(file): cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  if ('problem' in contents) throw new PolicyError(path, [`(file): ${contents.problem}`]);
  return parsePolicy(contents.text, path);
}

/** A copy the caller may keep or change. */
export function lookupNeeds(policy: Policy): LookupNeeds {
  return { rateWindowsSec: [...policy.needs.rateWindowsSec], blockDigits: policy.needs.blockDigits };
}
