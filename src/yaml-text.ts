/**
 * YAML from an administrator's file (configuration, policy), read strictly. The yaml library only warns about
 * some mistakes and carries on: an unquoted `password: !Secret` is an unknown tag, resolved to an empty string,
 * with the source line printed to stderr. Here every error and warning refuses the file, and problems are located
 * by line and column without quoting the text: it may be a password. A file larger than any real one is refused
 * unread, and duplicate keys are found in linear time (yaml's own check compares each key with every earlier one of
 * its mapping: a 1 MB mapping took tens of seconds). Errors are located here too, not by yaml's prettyErrors, which
 * scans the whole line of every error: one long line of errors (160 KB of `]`) took 5 minutes, 1 MiB hours.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAlias, isScalar, LineCounter, parseDocument, Schema, visit, type Document, type ScalarTag, type YAMLError } from 'yaml';

const MAX_ALIASES = 50; // YAML "billion laughs": aliases expanding aliases

/** Larger than any configuration or policy file (the shipped ones are about 15 KB). */
export const MAX_YAML_BYTES = 1024 * 1024;
export const YAML_TOO_LARGE = 'larger than 1 MiB, far more than any configuration or policy needs: is it the right file?';

/**
 * An administrator's YAML file as text, or the problem that it is over MAX_YAML_BYTES: at most that much is read,
 * so a log file or a device named by mistake is not read whole. Errors opening or reading it (ENOENT, EACCES,
 * EISDIR) are thrown as `fs` throws them.
 */
export function readYamlFile(path: string): { text: string } | { problem: string } {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > MAX_YAML_BYTES) return { problem: YAML_TOO_LARGE };
    const buffer = Buffer.alloc(MAX_YAML_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length;) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
      length += n;
    }
    if (length > MAX_YAML_BYTES) return { problem: YAML_TOO_LARGE };
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    closeSync(fd);
  }
}

const HINTS: Record<string, string> = {
  TAG_RESOLVE_FAILED: 'a value starting with ! is read as a YAML tag: quote it',
  BAD_ALIAS: 'a value starting with * is read as a YAML alias: quote it',
  DUPLICATE_KEY: 'a key appears twice in the same mapping',
  // one document per file: everything after a `---` separator would otherwise be dropped without a word
  MULTIPLE_DOCS: 'a second YAML document starts here (---): a file holds one document; remove the --- line',
  // the slips of a hand-edited file, said as what to change rather than as the parser's code ("bad indent")
  TAB_AS_INDENT: 'a tab indents this line: YAML indents with spaces only',
  BAD_INDENT: 'this line is not indented as the lines above expect: the keys of one section line up, two spaces in ' +
    'from the section\'s name',
  BLOCK_AS_IMPLICIT_KEY: 'a key\'s value is followed by a line indented further in (line it up with the keys above), ' +
    'or a value holds ": " (put it in quotes)',
  MISSING_CHAR: 'a quote, [ or { opened before is not closed',
  BAD_SCALAR_START: 'a value starting with % @ or ` must be put in quotes',
  YAML_1_1: 'a %YAML 1.1 directive: chut reads YAML 1.2 only (where on, yes and 0b1111 are text, not true or 15): ' +
    'remove the line',
};

function describe(code: string, at: { line: number; col: number } | undefined): string {
  const where = at ? ` at line ${at.line}, column ${at.col}` : '';
  const what = HINTS[code] ?? code.toLowerCase().replace(/_/g, ' ');
  return `not valid YAML${where}: ${what}`;
}

/**
 * Where the first key repeated in one mapping starts, or null. The same equality as yaml's own check (a scalar key
 * by its value, any other by identity), with a Set per mapping rather than a comparison with every earlier key.
 */
function firstDuplicateKey(doc: Document): number | null {
  let at: number | null = null;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const id = isScalar(key) ? key.value : key;
        if (seen.has(id)) {
          at = (isScalar(key) && key.range ? key.range[0] : null) ?? map.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(id);
      }
      return undefined;
    },
  });
  return at;
}

/**
 * Where the first alias naming no anchor written before it starts (the one toJS refuses), or null: one pass in the
 * document's order, the anchors seen so far in a Set (yaml's own Alias.resolve walks the whole document per alias).
 */
function firstUnresolvedAlias(doc: Document): number | null {
  const anchors = new Set<string>();
  let at: number | null = null;
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) {
        if (anchors.has(node.source)) return undefined;
        at = node.range?.[0] ?? 0;
        return visit.BREAK;
      }
      if (node.anchor) anchors.add(node.anchor);
      return undefined;
    },
  });
  return at;
}

export function parseYamlText(text: string): { value: unknown } | { problem: string } {
  if (text.length > MAX_YAML_BYTES || Buffer.byteLength(text) > MAX_YAML_BYTES) return { problem: YAML_TOO_LARGE };
  const lineCounter = new LineCounter();
  const at = (e: YAMLError | undefined) => (e && e.pos[0] >= 0 ? lineCounter.linePos(e.pos[0]) : undefined);
  let doc: ReturnType<typeof parseDocument>;
  let duplicateAt: number | null;
  // A garbage file makes yaml build one error object per bad token (a million for 1 MiB of `]`), each capturing a
  // stack trace that nobody reads: without them the worst 1 MiB takes seconds, not half a minute.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // No prettyErrors (see the top): the first error's position is looked up below, once. logLevel 'error' prints
    // nothing (yaml prints only at 'warn' and 'debug'); not 'silent', which also leaves out the MULTIPLE_DOCS error: all
    // after a `---` would be dropped without a word. uniqueKeys: false: duplicates are looked for below, in linear time.
    doc = parseDocument(text, { logLevel: 'error', prettyErrors: false, lineCounter, uniqueKeys: false });
    duplicateAt = doc.errors.length ? null : firstDuplicateKey(doc);
  } catch {
    return { problem: 'not valid YAML: nested too deeply to read' }; // the parser recurses: a stack overflow
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const error = doc.errors[0];
  if (error) return { problem: describe(error.code, at(error)) };
  if (duplicateAt !== null) return { problem: describe('DUPLICATE_KEY', lineCounter.linePos(duplicateAt)) };
  const warning = doc.warnings[0];
  if (warning) return { problem: describe(warning.code, at(warning)) };
  // A `%YAML 1.1` directive switches yaml to 1.1's schema (on/yes are true, 0b1111 is 15): the same text would read
  // one way in this file and another in an environment variable or any other file (plainScalarValue reads 1.2).
  if (doc.directives?.yaml.explicit && doc.directives.yaml.version !== '1.2') {
    const directive = /^%YAML[ \t]/m.exec(text);
    return { problem: describe('YAML_1_1', directive ? lineCounter.linePos(directive.index) : undefined) };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (err) {
    // toJS refuses unresolved aliases (its message quotes the alias: maybe a password) and alias bombs
    const message = (err as Error).message;
    if (message.startsWith('Unresolved alias')) {
      const alias = firstUnresolvedAlias(doc);
      return { problem: describe('BAD_ALIAS', alias === null ? undefined : lineCounter.linePos(alias)) };
    }
    if (message.startsWith('Excessive alias count')) return { problem: 'not valid YAML: too many aliases (an alias bomb?)' };
    return { problem: 'not valid YAML' };
  }
}

/** The schema parseYamlText's documents resolve plain scalars by: YAML 1.2's core schema, the yaml package's default
 * (it sets neither version nor schema). */
const FILE_SCHEMA = new Schema({ schema: 'core' });
const PLAIN_SCALAR_TAGS = FILE_SCHEMA.tags.filter((tag): tag is ScalarTag & { test: RegExp } =>
  !('collection' in tag && tag.collection) && tag.default === true && tag.test instanceof RegExp);

/**
 * What a file read by parseYamlText holds when `text` is written unquoted as a value: a number (8080, 0x1F90, 0o17,
 * 1e3, .inf), true or false, null, or the text itself. Resolved by the yaml package's own tags, as its parser picks
 * them (the first default tag whose test matches the whole text), so a value given elsewhere (an environment
 * variable) reads as it would in the file. `text` is taken as it is: no quoting, comment or indentation is YAML here.
 */
export function plainScalarValue(text: string): unknown {
  const tag = PLAIN_SCALAR_TAGS.find(({ test }) => test.test(text));
  if (tag === undefined) return text;
  let failed = false;
  const value = tag.resolve(text, () => { failed = true; }, {});
  if (failed) return text;
  return isScalar(value) ? value.value : value;
}
