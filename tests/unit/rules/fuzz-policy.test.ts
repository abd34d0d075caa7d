/**
 * Seeded mutation fuzzing of the policy file (parsePolicy, as `chut check-config` and `chut run` read it): the shipped
 * config/policy.yaml, the tests' policies and one that uses every condition, mutated in their bytes (helpers/mutate.ts),
 * their YAML structure (values of the wrong type or out of bounds, keys removed, unknown and look-alike keys, subtrees
 * shared as anchors and aliases, conditions nested around the depth bound) and their YAML text (alias bombs, deep flow
 * nesting, duplicate keys, huge numbers, tags, directives, a second document).
 *
 * What must hold for every case: parsePolicy returns a policy or throws PolicyError and nothing else (a case that
 * hangs fails on the test's timeout: no wall-clock bound here, the machine is shared); each problem names where it is, a path into
 * the document (`rules[3].when.rate.within: …`), `(root)`, or, for YAML the reader refuses, the line and column (an
 * alias bomb and a file nested past what the reader can recurse are whole-file problems); no problem carries a
 * character a terminal would act on or hide (a key or value is shown with escapes); and a policy that loads decides
 * every call of a small table of call facts, at instants around daylight-saving changes and the year's end, without
 * throwing, with one of its own rules or the default.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCallerId } from '../../../src/phone/parse-caller.js';
import { ACTIONS, evaluate, lookupNeeds, parsePolicy, PolicyError, type Policy } from '../../../src/rules/index.js';
import type { CallFacts } from '../../../src/rules/types.js';
import { formatPath } from '../../../src/validation-issues.js';
import { parseYamlText } from '../../../src/yaml-text.js';
import { holdsInvisible } from '../../helpers/invisible.js';
import { BYTE_MUTATIONS, mutate, pick, type Rand } from '../../helpers/mutate.js';
import { aliasBomb, mutateText, mutateYamlStructure, SAME_TYPE_OPS } from '../../helpers/mutate-yaml.js';
import { LIST_POLICY, TEST_POLICY } from '../../helpers/policy.js';
import { prng } from '../../helpers/prng.js';
import { facts } from './facts.js';

/** Every condition, option and form the format has, so that mutations reach each of them. */
const EVERY_CONDITION = `
version: 1
mode: shadow
timezone: America/New_York
default: captcha
rules:
  - name: allowed-exactly
    action: ring
    when: { list: allow, match: exact }
  - name: blocked-prefix
    description: a prefix on the blocklist
    action: reject
    when: { list: block, match: prefix }
  - name: kinds
    action: captcha
    captcha: { onFail: reject, onTimeout: voicemail }
    when: { caller: [withheld, invalid], not: { pack: de-spoofed } }
  - name: types
    action: voicemail
    when: { numberType: [premium-rate, voip], score: { min: 10, max: 90 } }
  - name: packs
    action: reject
    when: { pack: [fr-npv, fr-platforms], time: { outside: fr-legal-hours } }
  - name: repeat-offender
    action: captcha
    when: { reports: { min: 2 }, captchaFailures: { min: 1 }, trusted: false }
  - name: burst
    action: captcha
    when: { any: [{ rate: { calls: 3, within: 90s } }, { rate: { calls: 10, within: 1h, per: block, blockDigits: 7 } }] }
  - name: night
    action: voicemail
    when: { time: { days: [fri-mon, wed], from: '22:00', to: '07:30', timezone: Asia/Kolkata } }
  - name: did
    action: ring
    when: { dialled: ['+33187654321', '+331876*', '100'], neighbourSpoofing: { digits: 4 } }
  - name: names
    action: reject
    when: { name: { matches: ['*ENERGIE*', 'DR?', 'robo*call'], contains: [isolation, 'pompe à chaleur'] } }
  - name: stir
    action: captcha
    when: { verstat: [TN-Validation-Failed, missing] }
`;

const SOURCES: ReadonlyArray<[string, string]> = [
  ['config/policy.yaml', readFileSync('config/policy.yaml', 'utf8')],
  ['TEST_POLICY', TEST_POLICY],
  ['LIST_POLICY', LIST_POLICY],
  ['EVERY_CONDITION', EVERY_CONDITION],
];

/** Calls as the PBX hands them (hostile caller IDs and names included), with reputations that make rules hold. */
const CALLER_IDS = ['+33612345678', '0162000123', '+33938123456', '+12025550143', '+4990012345678', 'anonymous', '', '112',
  '0612abc', '+33 6 12 34 56 78\u200b', 'sip:+33187654322@pbx;verstat=TN-Validation-Failed', 'x'.repeat(5000), '5969478000'];
const NAMES = ['', 'ENERGIE SOLAIRE', 'Énergie', 'dr x', 'ROBOcall', 'isolation pompe à chaleur', '\u202eLIAMECIOV', '\u0000\r\n',
  'a'.repeat(10_000), '한국어', '*?*'];
const CALLS: readonly CallFacts[] = CALLER_IDS.flatMap((raw, i) => {
  const caller = parseCallerId(raw, 'FR').number;
  const e164 = caller.kind === 'valid' ? caller.e164 : '+33100000000';
  return [
    facts({ caller, callerName: NAMES[i % NAMES.length] as string, dialled: ['', '+33187654321', '100', '+331876999'][i % 4] as string }),
    facts({
      caller, callerName: NAMES[(i + 3) % NAMES.length] as string, dialled: '+33187654321', verstat: [null, 'TN-Validation-Failed', 'garbage\u0000'][i % 3] ?? null,
      reputation: {
        listed: { list: i % 2 ? 'allow' : 'block', match: i % 3 ? 'exact' : 'prefix', entry: e164, reason: '\u001b[2J', source: 'cli' },
        score: (i * 37) % 101, trustedUntil: i % 2 ? Date.UTC(2027, 0, 1) : 0, reports: i, captcha: { passed: 1, failed: i, hungUp: 2 },
        recentCalls: { number: { 90: i, 600: i * 2, 3600: 50 }, block: { 3600: i * 3, 600: 1 } },
      },
    }),
  ];
});
/** A weekday in legal hours, a night, the nights daylight-saving time starts and ends in Paris and New York, the year's end. */
const INSTANTS = ['2026-11-25T10:00:00Z', '2026-11-28T03:30:00Z', '2026-03-29T01:30:00Z', '2026-10-25T00:30:00Z',
  '2026-03-08T07:30:00Z', '2026-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z'].map((t) => new Date(t));

type Doc = null | boolean | number | string | Doc[] | { [key: string]: Doc };

/** Every place in the document as parsePolicy reports it, and every key a missing one could be under a mapping. */
function documentPaths(value: Doc): { nodes: Set<string>; maps: Set<string> } {
  const nodes = new Set<string>(['(root)']);
  const maps = new Set<string>();
  const walk = (v: Doc, path: PropertyKey[], depth: number) => {
    if (typeof v !== 'object' || v === null || depth > 80) return;
    if (!Array.isArray(v)) maps.add(formatPath(path));
    const entries: Array<[PropertyKey, Doc]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) {
      nodes.add(formatPath([...path, k]));
      walk(x, [...path, k], depth + 1);
    }
  };
  walk(value, [], 0);
  return { nodes, maps };
}

/** The problem names a place in the document: a node, or a key missing from one of its mappings (`…action: is required`). */
function pointsIntoDocument(problem: string, paths: { nodes: Set<string>; maps: Set<string> }): boolean {
  for (let at = problem.indexOf(': '); at > 0; at = problem.indexOf(': ', at + 1)) {
    const path = problem.slice(0, at);
    if (paths.nodes.has(path)) return true;
    const missing = /^(.*?)\.?([A-Za-z]+)$/.exec(path);
    if (missing && paths.maps.has(missing[1] === '' ? '(root)' : (missing[1] as string))) return true;
  }
  return false;
}

/** Whole-file problems of the YAML reader, which no single place causes. */
const WHOLE_FILE = /^\(yaml\): not valid YAML: (too many aliases|nested too deeply to read)|^\(file\): larger than 1 MiB/;
const ACTION_SET = new Set<string>(ACTIONS);

/** What is wrong with one problem of a refused policy, or null (plain code: an expect per problem costs more than the parse). */
function problemFault(problem: string, paths: ReturnType<typeof documentPaths> | null): string | null {
  if (holdsInvisible(problem)) return 'shows an invisible character raw';
  if (WHOLE_FILE.test(problem)) return null;
  if (problem.startsWith('(yaml): ')) return /^\(yaml\): not valid YAML at line \d+, column \d+: \S/.test(problem) ? null : 'a YAML error without its place';
  if (!paths) return 'a problem with the document the YAML reader refused';
  return pointsIntoDocument(problem, paths) ? null : 'names no place in the document';
}

/** One case's checks; returns the loaded policy, or null when it was refused. */
function check(text: string, label: string): Policy | null {
  let policy: Policy | null = null;
  let problems: string[] = [];
  try {
    policy = parsePolicy(text, 'fuzz.yaml');
  } catch (err) {
    if (!(err instanceof PolicyError)) throw new Error(`${label}: threw ${String(err)} rather than a PolicyError`, { cause: err });
    problems = err.problems;
  }
  if (policy) return policy;
  expect(problems.length, label).toBeGreaterThan(0);
  const read = parseYamlText(text);
  const paths = 'value' in read ? documentPaths(read.value as Doc) : null;
  const faults = problems.map((p) => [p, problemFault(p, paths)] as const).filter(([, fault]) => fault !== null);
  expect(faults.map(([p, fault]) => `${fault}: ${p.slice(0, 300)}`), label).toEqual([]);
  return null;
}

/** A loaded policy decides every call, at every instant, with one of its rules or its default. */
function decidesEveryCall(policy: Policy, label: string): void {
  const names = new Set([...policy.rules.map((r) => r.name), 'default']);
  const needs = lookupNeeds(policy);
  expect(needs.blockDigits, label).toBeGreaterThanOrEqual(3);
  expect(needs.rateWindowsSec.every((s) => Number.isSafeInteger(s) && s > 0), label).toBe(true);
  for (const call of CALLS) {
    for (const now of INSTANTS) {
      const decision = evaluate(call, policy, now);
      expect(ACTION_SET.has(decision.action), label).toBe(true);
      expect(names.has(decision.rule), label).toBe(true);
      expect(decision.reasons.every((r) => typeof r === 'string'), label).toBe(true);
    }
  }
}

type Mutator = (text: string, rand: Rand) => { text: string; applied: string[] };

/** Bytes changed as a file on disk can be, read back as readYamlFile reads it (UTF-8, invalid bytes replaced). */
const byteMutator: Mutator = (text, rand) => {
  const out = mutate(Buffer.from(text), rand, BYTE_MUTATIONS, 4);
  return { text: out.bytes.toString('utf8'), applied: out.applied };
};

function fuzz(name: string, mutator: Mutator, cases: number, seed: number): void {
  it(`${name}: ${cases} cases, seed ${seed}`, () => {
    let loaded = 0;
    for (let i = 0; i < cases; i++) {
      const rand = prng(seed + i);
      const [source, original] = pick(rand, SOURCES);
      // now and then two rounds: a text mutation of a structure already mutated
      let { text, applied } = mutator(original, rand);
      if (rand() < 0.2) {
        const again = pick(rand, [mutateText, byteMutator])(text, rand);
        text = again.text;
        applied = [...applied, ...again.applied];
      }
      const label = `seed ${seed + i} (${source}: ${applied.join(', ')})`;
      const policy = check(text, label);
      if (policy) {
        loaded++;
        decidesEveryCall(policy, label);
      }
    }
    // the mutations must leave some policies loadable, or the evaluation is never fuzzed
    expect(loaded).toBeGreaterThan(cases / 50);
  });
}

describe('policy files, mutated', () => {
  it('the sources load and decide every call, unmutated', () => {
    for (const [source, text] of SOURCES) {
      const policy = check(text, source);
      expect(policy, source).not.toBeNull();
      decidesEveryCall(policy as Policy, source);
    }
  });

  fuzz('structure (wrong types, bounds, unknown keys, anchors and aliases, deep conditions)', (t, rand) => mutateYamlStructure(t, rand), 300, 0x22_4000);
  fuzz('values of the right type (odd time zones, globs, bounds; anchors and aliases; deep conditions)', (t, rand) => mutateYamlStructure(t, rand, SAME_TYPE_OPS), 200, 0x22_7000);
  fuzz('YAML text (alias bombs, deep nesting, duplicate keys, huge numbers, tags, directives)', mutateText, 250, 0x22_5000);
  fuzz('bytes (flips, cuts, controls, invalid UTF-8, lines duplicated or removed)', byteMutator, 250, 0x22_6000);

  it('an alias bomb is refused at once, whatever its size, as one', () => {
    for (const [levels, width] of [[9, 9], [12, 10], [30, 2]] as const) {
      const bomb = `${aliasBomb(levels, width)}\nversion: 1\nrules: *l${levels}\n`;
      expect(check(bomb, `bomb ${levels}×${width}`)).toBeNull();
      expect(() => parsePolicy(bomb, 'bomb.yaml')).toThrow(/too many aliases/);
    }
  });
});
