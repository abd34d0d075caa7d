/**
 * One way to say where a config or policy file is wrong: `rules[3].when.rate.within: …`, `redis.sentinel.hosts[0].port: …`,
 * an unknown key named on its own line, a missing value said as "is required" rather than zod's wording.
 */
import type { z } from 'zod';
import { quoteShown, shownCut } from './show-invisible.js';

/** Longest key a path shows: an unknown key is the file's text, of any length. */
const MAX_KEY_SHOWN = 64;

/** A key as a problem shows it: the file's own text, so its invisible characters written as escapes (a line break in
 * it would forge a problem line, an escape sequence reach the terminal of `chut check-config`), and cut. */
const shownKey = (key: PropertyKey): string => shownCut(String(key), MAX_KEY_SHOWN);

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? shownKey(key) : `.${shownKey(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * `path` as the file has it: an index into a value that is not a list is left out. A schema that takes one value or a
 * list of them reads `matches: x` as `matches: [x]`, and zod places a problem with `x` at `matches[0]`, a place the
 * file does not have; the problem belongs to `matches`, where the user wrote it.
 */
export function documentPath(document: unknown, path: readonly PropertyKey[]): PropertyKey[] {
  const out: PropertyKey[] = [];
  let at: unknown = document;
  for (const key of path) {
    if (typeof key === 'number' && at !== undefined && !Array.isArray(at)) continue; // the list of one around `at`
    out.push(key);
    at = typeof at === 'object' && at !== null && Object.hasOwn(at, key) ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return out;
}

/**
 * One issue as lines; an unknown key gets "(did you mean enabled?)" when `schema` knows a key close to it there.
 * With the `document` that was checked, the place is said as the file has it (documentPath).
 */
export function formatIssue(issue: z.core.$ZodIssue, schema?: z.ZodType, document?: unknown): string[] {
  const where = (path: readonly PropertyKey[]) => formatPath(document === undefined ? path : documentPath(document, path));
  if (issue.code === 'unrecognized_keys') {
    const known = schema ? knownKeysAt(schema, issue.path) : [];
    return issue.keys.map((k) => {
      const near = nearestKey(k, known);
      return `${where([...issue.path, k])}: unknown key${near === null ? '' : ` (did you mean ${near}?)`}`;
    });
  }
  const message = /received undefined$/.test(issue.message) ? 'is required' : plainMessage(issue, schema) ?? issue.message;
  return [`${where(issue.path)}: ${message}`];
}

/** Words YAML 1.1 (and Asterisk's .conf files) take for a switch, which YAML 1.2 reads as text. */
const SWITCH_WORDS = /^(yes|no|on|off|y|n)$/i;

/** What a switch given something else than true or false is told, `yes` included. */
export function switchProblem(input: unknown): string {
  return typeof input === 'string' && SWITCH_WORDS.test(input.trim())
    ? `must be true or false: YAML reads ${input.trim()} as text, not as a switch` : 'must be true or false';
}

/** zod's own wording of a wrong type, a bound or a choice ("Invalid input: expected boolean, received string",
 * "Too small: expected number to be >=0") said as what to write, with the YAML slip behind it when there is one: a
 * `yes` that YAML 1.2 reads as text, digits it reads as a number. Messages a schema words itself are left alone. The
 * input is echoed only where it cannot be a secret: a switch word, a choice that is not one. */
function plainMessage(issue: z.core.$ZodIssue, schema: z.ZodType | undefined): string | null {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input:')) {
    const received = /received (\w+)$/.exec(issue.message)?.[1];
    switch (issue.expected) {
      case 'boolean': return switchProblem(input);
      case 'string':
        if (received === 'number') return 'must be text: put it in quotes (\'100\'), or YAML reads the digits as a number';
        if (received === 'boolean') return 'must be text: put it in quotes (\'yes\'), or YAML reads it as true or false';
        if (received === 'null') return 'is empty: give a value, or leave the key out';
        return 'must be text';
      case 'number':
      case 'int':
        if (received === 'number') return 'must be a whole number';
        return typeof input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(input) ? 'must be a number, without quotes' : 'must be a number';
      case 'object': return sectionProblem(input, schema ? knownKeysAt(schema, issue.path) : []);
      case 'array': return 'must be a list: [a, b], or one "- item" a line below it';
      default: return null;
    }
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && /^Too (small|big):/.test(issue.message)) {
    const small = issue.code === 'too_small';
    const bound = String(small ? issue.minimum : issue.maximum);
    const inclusive = issue.inclusive !== false;
    const word = small ? (inclusive ? 'at least' : 'more than') : (inclusive ? 'at most' : 'less than');
    if (issue.origin === 'number') return `must be ${word} ${bound}`;
    if (issue.origin === 'string') return `must be ${word} ${bound} characters long`;
    if (issue.origin === 'array') return `must list ${word} ${bound}`;
    return null;
  }
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid option:')) {
    const choices = issue.values.map(String).join(', ');
    return typeof input === 'string' ? `${quoteShown(input, 40)} is not one of ${choices}` : `must be one of ${choices}`;
  }
  return null;
}

/** What a section given something else is told. `ari:` then `  enabled:true` is the text "enabled:true" to YAML, a
 * key needing a space after its colon; `redis: redis://…` or `ari: localhost:8088` is a value, its colon no key's. */
function sectionProblem(input: unknown, keys: readonly string[]): string {
  if (input === null) return 'is empty: give its settings on the lines below it, indented, or leave the section out';
  const key = typeof input === 'string' ? /^([A-Za-z][\w.-]*):\S/.exec(input)?.[1] : undefined;
  return key !== undefined && keys.includes(key)
    ? 'must be a section, and YAML read its lines as one text: a key needs a space after its colon (enabled: true, not enabled:true)'
    : 'must be a section: its settings on the lines below it, indented, not a value on its own line';
}

/** The parts of a zod (v4) schema's definition the walk below reads. */
interface Def {
  type: string;
  innerType?: unknown;
  in?: unknown;
  getter?: () => unknown;
  shape?: Record<string, unknown>;
  element?: unknown;
  valueType?: unknown;
}

const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The schema a lazy one stands for, as zod resolved it once (`_zod.innerType`): calling the getter builds it anew,
 * the whole `when` schema, ~1 ms each time an unknown key under a `when` is named. */
const lazyInner = (schema: unknown): unknown => (schema as { _zod?: { innerType?: unknown } })._zod?.innerType;

/** Through what only wraps a schema: default, prefault, optional, nullable, a transform's input, a lazy one. */
export function unwrapSchema(schema: unknown): unknown {
  for (let i = 0; i < 32; i += 1) {
    const def = defOf(schema);
    if (def?.innerType !== undefined) schema = def.innerType;
    else if (def?.type === 'pipe') schema = def.in;
    else if (def?.type === 'lazy') schema = lazyInner(schema) ?? def.getter?.();
    else return schema;
  }
  return schema;
}

/** The keys the object schema at `path` knows (through lists and maps), or none when the path leads to no object. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let at = unwrapSchema(schema);
  for (const key of path) {
    const def = defOf(at);
    if (def?.type === 'object' && typeof key === 'string') at = def.shape?.[key];
    else if (def?.type === 'array') at = def.element;
    else if (def?.type === 'record') at = def.valueType;
    else return [];
    at = unwrapSchema(at);
  }
  const def = defOf(at);
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Edits (insert, delete, replace a character) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= b.length; j += 1) {
      next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] as number;
}

/** The one known key at most 2 edits from `key` (1 for a key of 3 characters or fewer, which 2 edits would leave
 * little of), case aside; none when two are equally near. */
export function nearestKey(key: string, known: readonly string[]): string | null {
  const most = key.length <= 3 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = most + 1;
  let tie = false;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance, tie] = [candidate, d, false];
    else if (d === bestDistance) tie = true;
  }
  return tie ? null : best;
}
