/**
 * Turns policy YAML into a validated PolicySpec, or every problem found, each `path: message`
 * (`rules[3].when.rate.within: must be a duration like 10m`).
 */
import { MAX_YAML_BYTES, parseYamlText, YAML_TOO_LARGE } from '../yaml-text.js';
import { formatIssue } from '../validation-issues.js';
import { policySchema } from './schema.js';
import { DEFAULT_BLOCK_DIGITS, type PolicySpec } from './spec.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rule names must be unique: reasons, counters and dashboards are keyed by them. */
function duplicateNames(rules: unknown[]): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  rules.forEach((r, i) => {
    if (!isObject(r) || typeof r.name !== 'string') return;
    const first = seen.get(r.name);
    if (first === undefined) seen.set(r.name, i);
    else problems.push(`rules[${i}].name: duplicate rule name ${JSON.stringify(r.name)} (first used by rules[${first}])`);
  });
  return problems;
}

/** Every per-block rate condition, with its path, found anywhere in a `when` tree. */
function blockRates(when: unknown, path: string, out: Array<{ path: string; digits: unknown }>): void {
  if (!isObject(when)) return;
  const rate = when.rate;
  if (isObject(rate) && rate.per === 'block') out.push({ path: `${path}.rate`, digits: rate.blockDigits ?? DEFAULT_BLOCK_DIGITS });
  if (Array.isArray(when.any)) when.any.forEach((w, i) => blockRates(w, `${path}.any[${i}]`, out));
  blockRates(when.not, `${path}.not`, out);
}

/** The store counts calls per block of ONE size, so all per-block rate conditions must agree on it. */
function mixedBlockDigits(rules: unknown[]): string[] {
  const found: Array<{ path: string; digits: unknown }> = [];
  rules.forEach((r, i) => isObject(r) && blockRates(r.when, `rules[${i}].when`, found));
  const first = found[0];
  if (!first) return [];
  return found
    .filter((f) => f.digits !== first.digits)
    .map((f) => `${f.path}.blockDigits: all per-block rate conditions must use the same blockDigits (${String(first.digits)} at ${first.path}, ${String(f.digits)} here)`);
}

function readYaml(yamlText: string): { value: unknown } | { problem: string } {
  if (yamlText.length > MAX_YAML_BYTES || Buffer.byteLength(yamlText) > MAX_YAML_BYTES) return { problem: `(file): ${YAML_TOO_LARGE}` };
  const read = parseYamlText(yamlText);
  return 'problem' in read ? { problem: `(yaml): ${read.problem}` } : read;
}

/** Conditions nested deeper than this (any/not) are refused up front: validation and evaluation recurse. */
const MAX_CONDITION_DEPTH = 32;

/** The first `when` nested too deep, as a problem with its path (walks at most MAX_CONDITION_DEPTH + 1 levels). */
function tooDeep(when: unknown, path: string, depth = 0): string | null {
  if (!isObject(when)) return null;
  if (depth > MAX_CONDITION_DEPTH) return `${path}: conditions nested more than ${MAX_CONDITION_DEPTH} deep (any/not)`;
  const children: Array<[unknown, string]> = Array.isArray(when.any) ? when.any.map((w, i) => [w, `${path}.any[${i}]`]) : [];
  children.push([when.not, `${path}.not`]);
  for (const [child, childPath] of children) {
    const problem = tooDeep(child, childPath, depth + 1);
    if (problem) return problem;
  }
  return null;
}

/** The validated spec, or the full list of problems. */
export function validatePolicy(yamlText: string): { spec: PolicySpec } | { problems: string[] } {
  const read = readYaml(yamlText);
  if ('problem' in read) return { problems: [read.problem] };
  if (!isObject(read.value)) return { problems: ['(root): the policy must be a mapping with version, default and rules'] };
  const deep = Array.isArray(read.value.rules)
    ? read.value.rules.map((r, i) => (isObject(r) ? tooDeep(r.when, `rules[${i}].when`) : null)).filter((p): p is string => p !== null)
    : [];
  if (deep.length > 0) return { problems: deep };
  const result = policySchema.safeParse(read.value, { reportInput: true });
  const problems = result.success ? [] : result.error.issues.flatMap((issue) => formatIssue(issue, policySchema, read.value));
  const rules = read.value.rules;
  if (Array.isArray(rules)) problems.push(...duplicateNames(rules), ...mixedBlockDigits(rules));
  if (problems.length > 0 || !result.success) return { problems };
  return { spec: result.data };
}
