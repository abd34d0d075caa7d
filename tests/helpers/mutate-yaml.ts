/**
 * Seeded mutations of an administrator's YAML file (a policy), for the fuzz tests: its structure changed (a value of
 * another type or a wrong one, a key removed, an unknown or look-alike key added, a subtree shared so that the
 * file is written with anchors and aliases, conditions nested deep), then written back as YAML; or its text changed
 * (duplicate keys, alias bombs, deep flow nesting, huge numbers, tags, directives, a second document). Every choice
 * comes from `rand` (prng.ts), so a failing case is replayed from its seed alone.
 */
import { stringify, parse } from 'yaml';
import { int, pick, type Rand } from './mutate.js';

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
type Container = Value[] | { [key: string]: Value };

/** Values an administrator (or a file from elsewhere) may put where a policy expects something else. */
const WRONG: ReadonlyArray<() => Value> = [
  () => null, () => true, () => false, () => 0, () => -1, () => 1.5, () => 1e308, () => -1e308, () => 2 ** 53 + 1, () => 1e21,
  () => '', () => ' ', () => 'x', () => 'yes', () => 'on', () => '1', () => '0x10', () => '1e3', () => 'x'.repeat(300),
  () => 'x'.repeat(70_000), () => [], () => [[]], () => [1, 'a', null], () => ({}), () => ({ any: [] }), () => ({ not: {} }),
  () => Array.from({ length: 2000 }, (_, i) => i), () => '__proto__', () => 'constructor', () => 'toString',
  () => '\u001b[2J\u202e\r\n\0', () => 'ring\nrules: []',
];

/** Values of the right type that a policy must still refuse (or take): each kind of field's edge cases. */
const DOMAIN: readonly Value[] = [
  // actions, modes, lists, caller kinds, number types
  'ring', 'captcha', 'voicemail', 'reject', 'Ring', 'REJECT', 'busy', 'enforce', 'shadow', 'allow', 'block', 'exact', 'prefix',
  'any', 'withheld', 'invalid', 'valid', 'mobile', 'premium-rate', 'premium_rate',
  // name patterns: regular expressions (catastrophic ones included), globs at and past their bounds
  '^robo.*$', '(a+)+$', '(.*a){20}', '[a-z]+', 'a|b', '\\d+', '.*ROBOT', '.+', '*ROBOT*', '*a*a*a*a*a*a*a*b', '?', '*', '**',
  'a'.repeat(31), 'a'.repeat(32), `*${'a'.repeat(31)}*`, 'x'.repeat(100), 'x'.repeat(101), 'Énergie', '\u0301', '한국어',
  // time zones, good and bad
  'Europe/Paris', 'UTC', 'utc', 'Etc/GMT+14', 'Etc/GMT+15', 'America/Argentina/ComodRivadavia', 'Asia/Kathmandu',
  'Mars/Olympus', 'Europe/Pariss', '+05:00', 'GMT+1', 'EST5EDT', 'Europe/Paris\u0000', 'x'.repeat(65), '../../etc/passwd',
  // packs, durations, clocks, days, verstats, dialled numbers
  'fr-npv', 'fr-platforms', 'de-spoofed', 'fr-legal-hours', 'FR-NPV', 'fr_npv', 'fr-npv ', '0s', '1s', '10m', '30d', '31d',
  '9999999d', '10', '10M', '1h30m', '-5m', '00:00', '23:59', '24:00', '24:01', '7:00', '10:60', 'mon', 'mon-fri', 'fri-mon',
  'monday', 'sun-sun', 'TN-Validation-Failed', 'tn-validation-passed', 'TN-Validaton-Failed', '+33187654321', '+331876*',
  '0187654321', '100', '00331*', '+', '*',
  // numbers at and past each bound
  0, 1, 3, 8, 15, 16, 31, 32, 70, 100, 101, 100_000, 100_001, 1_000_000, 1_000_001, -0, 0.5, 1e-9, Number.MAX_SAFE_INTEGER,
];

/** Keys added where they are not known: typos, look-alikes, prototype names, merge keys, a key a terminal would run. */
const ADDED_KEYS: readonly string[] = [
  'extra', 'acton', 'Action', 'when ', 'names', 'lists', 'timezone', 'any', 'not', '__proto__', 'constructor', 'toString',
  'hasOwnProperty', '<<', '', ' ', 'x'.repeat(300), 'evil\u001b[2J\nrules[0].name: a forged problem', '\u202ekey', 'key\u200b',
];

const isContainer = (v: Value): v is Container => typeof v === 'object' && v !== null;

/** Every place in the value: a container and one of its keys (or indices). */
function places(value: Value, out: Array<{ parent: Container; key: string | number }> = [], depth = 0): typeof out {
  if (!isContainer(value) || depth > 64) return out;
  const entries: Array<[string | number, Value]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    out.push({ parent: value, key: k });
    places(v, out, depth + 1);
  }
  return out;
}

const get = (p: { parent: Container; key: string | number }): Value => (p.parent as Record<string | number, Value>)[p.key] as Value;
const set = (p: { parent: Container; key: string | number }, v: Value): void => {
  (p.parent as Record<string | number, Value>)[p.key] = v;
};

/** A `when` nested `depth` deep in `any`/`not`, around the policy's own bound (32). */
function nested(rand: Rand, depth: number, inner: Value): Value {
  let w = inner;
  for (let i = 0; i < depth; i++) w = rand() < 0.5 ? { not: w } : { any: [w] };
  return w;
}

export const STRUCTURE_OPS = ['wrong-type', 'domain-value', 'domain-value', 'remove', 'add-key', 'share', 'duplicate-rule', 'nest'] as const;
/** Changes that keep each value's type: what leaves many policies valid, with odd values, for the evaluator. */
export const SAME_TYPE_OPS = ['same-type', 'same-type', 'share', 'nest'] as const;
type StructureOp = (typeof STRUCTURE_OPS)[number] | (typeof SAME_TYPE_OPS)[number];

/** The value with one to three structural changes; `applied` names them. Shared subtrees make `stringify` write anchors and aliases. */
export function mutateStructure(root: Value, rand: Rand, ops: readonly StructureOp[] = STRUCTURE_OPS): { value: Value; applied: string[] } {
  const applied: string[] = [];
  for (let n = int(rand, 1, 3); n > 0; n--) {
    const all = places(root);
    if (all.length === 0) break;
    const at = pick(rand, all);
    const op = pick(rand, ops);
    applied.push(op);
    if (op === 'same-type') {
      const now = get(at);
      const alike = DOMAIN.filter((v) => typeof v === typeof now);
      if (alike.length > 0 && !isContainer(now)) set(at, pick(rand, alike));
    } else if (op === 'wrong-type') set(at, pick(rand, WRONG)());
    else if (op === 'domain-value') set(at, rand() < 0.8 ? pick(rand, DOMAIN) : [pick(rand, DOMAIN), pick(rand, DOMAIN)]);
    else if (op === 'remove') {
      if (Array.isArray(at.parent)) at.parent.splice(at.key as number, 1);
      else delete at.parent[at.key as string];
    } else if (op === 'add-key') {
      const maps = all.map((p) => get(p)).filter((v): v is { [key: string]: Value } => isContainer(v) && !Array.isArray(v));
      const target = maps.length > 0 && rand() < 0.9 ? pick(rand, maps) : (isContainer(root) && !Array.isArray(root) ? root : null);
      if (target) Object.defineProperty(target, pick(rand, ADDED_KEYS), { value: pick(rand, [...DOMAIN, ...WRONG.map((w) => w())]), enumerable: true, writable: true, configurable: true });
    } else if (op === 'share') {
      // the same object in two places: written once with an anchor, then as an alias
      const source = pick(rand, all.map(get).filter(isContainer));
      if (source !== undefined && !contains(source, at.parent)) set(at, source);
    } else if (op === 'duplicate-rule') {
      const rules = isContainer(root) && !Array.isArray(root) ? root.rules : undefined;
      if (Array.isArray(rules) && rules.length > 0) {
        const rule = pick(rand, rules);
        rules.splice(int(rand, 0, rules.length), 0, rand() < 0.5 ? rule : structuredClone(rule));
      }
    } else {
      set(at, nested(rand, pick(rand, [1, 31, 32, 33, 40]), get(at)));
    }
  }
  return { value: root, applied };
}

/** Whether `inner` is `outer` or inside it (a subtree shared into itself would make a cycle). */
function contains(outer: Value, inner: Value): boolean {
  if (outer === inner) return true;
  if (!isContainer(outer)) return false;
  return (Array.isArray(outer) ? outer : Object.values(outer)).some((v) => contains(v, inner));
}

/** An alias bomb ("billion laughs"): `levels` anchors, each a list of `width` aliases of the one before. */
export function aliasBomb(levels: number, width: number): string {
  const lines = ['l0: &l0 [lol, lol, lol]'];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

const lineStarts = (text: string): number[] => [0, ...[...text.matchAll(/\n/g)].map((m) => (m.index as number) + 1)].filter((i) => i < text.length);

/** Text-level mutations a structure cannot express: YAML's own syntax, misused. */
const TEXT_OPS: ReadonlyArray<{ name: string; apply(text: string, rand: Rand): string }> = [
  { name: 'alias-bomb', apply: (t, rand) => `${aliasBomb(int(rand, 2, 9), int(rand, 2, 10))}\n${t}` },
  {
    name: 'alias-bomb-as-rules',
    apply: (t, rand) => `${aliasBomb(int(rand, 3, 9), 9)}\n${t.replace(/^rules:.*$/m, `rules: *l${int(rand, 1, 3)}`)}`,
  },
  { name: 'undefined-alias', apply: (t, rand) => t.replace(/: ([^\n]*)/g, (m, v: string) => (rand() < 0.1 ? `: *${v.replace(/\W/g, '') || 'x'}` : m)) },
  { name: 'glob-unquoted', apply: (t) => t.replace(/'(\*[^'\n]*)'/g, '$1') },
  {
    name: 'duplicate-key',
    apply(t, rand) {
      const keyLines = [...t.matchAll(/^( *)(?:- )?([A-Za-z]+):[^\n]*\n/gm)];
      if (keyLines.length === 0) return t;
      const m = pick(rand, keyLines);
      const copy = `${m[1] as string}${m[0].startsWith(`${m[1] as string}- `) ? '  ' : ''}${m[2] as string}: again\n`;
      return t.slice(0, (m.index as number) + m[0].length) + copy + t.slice((m.index as number) + m[0].length);
    },
  },
  {
    name: 'deep-flow',
    apply(t, rand) {
      const depth = pick(rand, [10, 100, 1000, 5000]);
      const [open, close] = pick(rand, [['[', ']'], ['{a: ', '}'], ['{ not: ', ' }'], ['{ any: [', '] }']]);
      return t.replace(/(when|action|rules|timezone): [^\n]*/, (m, key: string) => (rand() < 0.9 ? `${key}: ${open.repeat(depth)}{ list: block }${close.repeat(depth)}` : m));
    },
  },
  {
    name: 'huge-number',
    apply: (t, rand) => t.replace(/\b\d+\b/, pick(rand, ['9'.repeat(400), '1e400', '-1e400', '.inf', '-.inf', '.nan', '0x7fffffffffffffff', '0o777', '1_000', '１'])),
  },
  { name: 'tag', apply: (t, rand) => t.replace(/: /, `: ${pick(rand, ['!!binary aGk= ', '!!set ', '!!omap ', '!!timestamp ', '!Secret ', '!!js/function ', '!!str ', '!!int ', '!<tag:yaml.org,2002:str> '])}`) },
  { name: 'directive', apply: (t, rand) => `${pick(rand, ['%YAML 1.1\n---\n', '%YAML 1.3\n---\n', '%TAG ! tag:x,2000:\n---\n', '---\n'])}${t}` },
  { name: 'second-document', apply: (t, rand) => `${t}${pick(rand, ['---\n', '...\n---\nversion: 1\n', '...\n'])}` },
  {
    name: 'tab-indent',
    apply(t, rand) {
      const starts = lineStarts(t).filter((i) => t[i] === ' ');
      if (starts.length === 0) return t;
      const at = pick(rand, starts);
      return `${t.slice(0, at)}\t${t.slice(at + 1)}`;
    },
  },
  { name: 'explicit-long-key', apply: (t, rand) => `${t}? ${'k'.repeat(pick(rand, [100, 5000, 200_000]))}\n: 1\n` },
];

/** The text with one text-level mutation; `applied` names it. */
export function mutateText(text: string, rand: Rand): { text: string; applied: string[] } {
  const op = pick(rand, TEXT_OPS);
  return { text: op.apply(text, rand), applied: [op.name] };
}

const parsedTexts = new Map<string, Value>();
/** A fresh copy of a source's value, parsed once: the sources are few, the cases many. */
function parsed(text: string): Value {
  let value = parsedTexts.get(text);
  if (value === undefined) {
    value = parse(text) as Value;
    parsedTexts.set(text, value);
  }
  return structuredClone(value);
}

/** A YAML text's value changed (mutateStructure with `ops`), written back as YAML with anchors for what is shared. */
export function mutateYamlStructure(text: string, rand: Rand, ops: readonly StructureOp[] = STRUCTURE_OPS): { text: string; applied: string[] } {
  const { value, applied } = mutateStructure(parsed(text), rand, ops);
  const flow = rand() < 0.3;
  return { text: stringify(value, { aliasDuplicateObjects: true, ...(flow ? { collectionStyle: 'flow' as const } : {}) }), applied };
}
