/** The shape of a `chut` sub-command and its argument parsing (node's parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { nearestKey } from '../validation-issues.js';
import { usageError } from './errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** A service (`run`, `serve`): its output is a log, not a listing a reader cuts short (see closed-pipe.ts). */
  longRunning?: boolean;
  /** Changes a list with one write (`block`, `allow`, `unlist`): a Redis lost before it answered may have applied it. */
  writes?: boolean;
  run(argv: string[]): Promise<number>;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const GLOBAL_HELP = `  -c, --config FILE   configuration file (default: $CHUT_CONFIG, else ./config/chut.yaml if present)
  -h, --help          show this help`;

export function parse<O extends Options>(argv: string[], options: O, positionals = true) {
  const all = { ...GLOBAL_OPTIONS, ...options };
  const equals = shortOptionWithEquals(argv, all);
  if (equals !== null) throw usageError(equals);
  try {
    return parseArgs({ args: argv, options: all, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw usageError(parseProblem(err, Object.keys(all)));
  }
}

/** node's wording of a bad option ("Unknown option '--expire'. To specify a positional argument starting with a '-',
 * place it at the end of the command after '--'…", "Option '-f, --force' does not take an argument") said as what to
 * type: the option meant when one is near, and where the options are listed. Anything else as node says it. */
function parseProblem(err: unknown, names: readonly string[]): string {
  const { code, message } = err as { code?: string; message: string };
  const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '([^']+)'/.exec(message)?.[1] : undefined;
  if (unknown !== undefined) {
    const near = unknown.startsWith('--') ? nearestKey(unknown.slice(2), names) : null;
    return `unknown option ${unknown}${near === null ? '' : ` (did you mean --${near}?)`}; see --help`;
  }
  const valueless = code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? /'(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message)?.[1] : undefined;
  if (valueless !== undefined) return `${valueless} needs a value; see --help`;
  // --force=yes, --json=false: a flag is on when given, so a value (even "no") would be read as nothing at all
  const flag = code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? /^Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message)?.[1] : undefined;
  if (flag !== undefined) return `${flag} takes no value: write ${flag} alone (or leave it out); see --help`;
  return message;
}

/** `-h=1`, `-o=out.csv`: `=` belongs to the long form only. node reads a flag's `=` as an option of its own ("unknown
 * option -="), and takes `=out.csv` as a string option's value, so a file named "=out.csv" would be written. Said as
 * what to type instead; null when no short option is given so. */
function shortOptionWithEquals(argv: readonly string[], options: Options): string | null {
  // non-strict, only to tell options from values and positionals (after `--`, or a value such as `--reason -h=1`)
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option' || !/^-\w$/.test(token.rawName) || !argv[token.index]?.startsWith(`${token.rawName}=`)) continue;
    const option = options[token.name];
    if (option?.short !== token.rawName.slice(1)) continue; // an unknown option: node's parser says so
    if (option.type === 'boolean') return `${token.rawName} takes no value: write ${token.rawName} alone (or leave it out); see --help`;
    return `${token.rawName} takes its value after a space: write ${token.rawName} VALUE (or --${token.name}=VALUE); see --help`;
  }
  return null;
}
