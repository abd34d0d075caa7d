/** The shape of a `chut` sub-command and its argument parsing (node's parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
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
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw usageError((err as Error).message);
  }
}
