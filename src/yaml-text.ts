/**
 * YAML from an administrator's file (configuration, policy), read strictly. The yaml library only warns about
 * some mistakes and carries on: an unquoted `password: !Secret` is an unknown tag, resolved to an empty string,
 * with the source line printed to stderr. Here every error and warning refuses the file, and problems are located
 * by line and column without quoting the text: it may be a password.
 */
import { parseDocument, type YAMLError } from 'yaml';

const MAX_ALIASES = 50; // YAML "billion laughs": aliases expanding aliases

const HINTS: Record<string, string> = {
  TAG_RESOLVE_FAILED: 'a value starting with ! is read as a YAML tag: quote it',
  BAD_ALIAS: 'a value starting with * is read as a YAML alias: quote it',
  DUPLICATE_KEY: 'a key appears twice in the same mapping',
  // one document per file: everything after a `---` separator would otherwise be dropped without a word
  MULTIPLE_DOCS: 'a second YAML document starts here (---): a file holds one document; remove the --- line',
};

function describe(issue: YAMLError): string {
  const at = issue.linePos?.[0];
  const where = at ? ` at line ${at.line}, column ${at.col}` : '';
  const what = HINTS[issue.code] ?? issue.code.toLowerCase().replace(/_/g, ' ');
  return `not valid YAML${where}: ${what}`;
}

export function parseYamlText(text: string): { value: unknown } | { problem: string } {
  let doc: ReturnType<typeof parseDocument>;
  try {
    // prettyErrors: fills in linePos. logLevel 'error' prints nothing (yaml prints only at 'warn' and 'debug'); not
    // 'silent', which also leaves out the MULTIPLE_DOCS error: all after a `---` would be dropped without a word.
    doc = parseDocument(text, { logLevel: 'error', prettyErrors: true });
  } catch {
    return { problem: 'not valid YAML: nested too deeply to read' }; // the parser recurses: a stack overflow
  }
  const issue = doc.errors[0] ?? doc.warnings[0];
  if (issue) return { problem: describe(issue) };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (err) {
    // toJS refuses unresolved aliases (its message quotes the alias: maybe a password) and alias bombs
    const message = (err as Error).message;
    if (message.startsWith('Unresolved alias')) return { problem: `not valid YAML: ${HINTS.BAD_ALIAS}` };
    if (message.startsWith('Excessive alias count')) return { problem: 'not valid YAML: too many aliases (an alias bomb?)' };
    return { problem: 'not valid YAML' };
  }
}
