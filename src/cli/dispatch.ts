/** `chut`: the command line. Dispatches to one command; maps errors to exit codes in one place. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../logger.js';
import { packageRoot } from '../package-root.js';
import type { Command } from './command.js';
import { checkConfigCommand } from './commands/check-config.js';
import { demoCommand } from './commands/demo.js';
import { allowCommand, blockCommand, unlistCommand } from './commands/lists.js';
import { lookupCommand } from './commands/lookup.js';
import { pruneCommand } from './commands/prune.js';
import { reportCommand } from './commands/report.js';
import { runCommandDef, serveCommandDef } from './commands/run.js';
import { exportCommand, importCommand } from './commands/transfer.js';
import { stopQuietlyWhenReaderLeaves } from './closed-pipe.js';
import { storeConnectionLost, storeWriteRefusal } from './context.js';
import { CliError, EXIT } from './errors.js';
import { releaseHangUps } from './hang-up.js';

const COMMANDS: Command[] = [
  runCommandDef, serveCommandDef, demoCommand, lookupCommand, allowCommand, blockCommand, unlistCommand, pruneCommand,
  importCommand, exportCommand, reportCommand, checkConfigCommand,
];

function packageVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `chut — call screening for Asterisk and FreeSWITCH

usage: chut COMMAND [options]      (chut COMMAND --help, or chut help COMMAND, for details;
                                   --config FILE and --redis URL may also come before COMMAND)
       chut --version

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Configuration: config/chut.yaml (or --config FILE / CHUT_CONFIG), then environment (CHUT_REDIS_URL, CHUT_ARI_URL,
CHUT_API_TOKEN, …). Exit codes: 0 ok, 1 failure, 2 usage (a bad option or argument), 65 bad data in an input
file, 66 input file missing or unreadable, 69 Redis unreachable (or silent 30 s mid-command, or refusing a write) or
a port taken, 73 output file not writable, 78 bad config, 130 an import stopped by Ctrl-C (and undone).
`;
}

/** Options that may come before the command (`chut --config x lookup 1`): moved after it, where its parser reads them. */
const LEADING_OPTIONS_WITH_VALUE = new Set(['--config', '-c', '--redis']);
const TOP_LEVEL_FLAGS = new Set(['--help', '-h', '--version', '-V']);

/** `--config x lookup 1` → `lookup --config x 1`; an option the command line cannot place is a usage error. */
export function hoistLeadingOptions(argv: string[], commands: readonly string[]): string[] {
  const lead: string[] = [];
  let i = 0;
  while (i < argv.length && (argv[i] as string).startsWith('-') && !TOP_LEVEL_FLAGS.has(argv[i] as string)) {
    const arg = argv[i] as string;
    const name = arg.split('=', 1)[0] as string;
    const command = argv.slice(i).find((a) => commands.includes(a));
    if (!LEADING_OPTIONS_WITH_VALUE.has(name)) {
      throw new CliError(`options go after the command: chut ${command ?? 'COMMAND'} ${arg} … (chut --help lists the commands)`, EXIT.usage);
    }
    if (arg.includes('=')) {
      lead.push(arg);
      i += 1;
    } else {
      const value = argv[i + 1];
      if (value === undefined || commands.includes(value)) throw new CliError(`${arg} needs a value: chut ${command ?? 'COMMAND'} ${arg} VALUE …`, EXIT.usage);
      lead.push(arg, value);
      i += 2;
    }
  }
  if (lead.length === 0) return argv;
  const [name, ...rest] = argv.slice(i);
  if (name === undefined) throw new CliError(`no command after ${lead.join(' ')} (chut --help lists the commands)`, EXIT.usage);
  // `--config x help lookup`: help prints text alone, so the options are dropped (placed after it they would be
  // taken for the command to describe)
  if (name === 'help') return [name, ...rest];
  return [name, ...lead, ...rest];
}

export async function main(argv: string[]): Promise<number> {
  try {
    argv = hoistLeadingOptions(argv, [...COMMANDS.map((c) => c.name), 'help']);
  } catch (err) {
    releaseHangUps(true);
    process.stderr.write(`chut: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  // Only `run`/`serve` keep SIGHUP from ending chut (run.ts); any other command gets Node's default back.
  if (!command?.longRunning) releaseHangUps(true);
  if (!name) {
    process.stderr.write(usage()); // a usage error: the text goes where errors go
    return EXIT.usage;
  }
  if (name === 'help' && rest[0] !== undefined) return main([rest[0], '--help']);
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`chut ${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (!command) {
    process.stderr.write(`chut: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT.usage;
  }
  if (!command.longRunning) stopQuietlyWhenReaderLeaves(process.stdout);
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`chut ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    // Redis answered, and refused a write (out of memory, a read-only replica, a failed save, too few replicas), or
    // the connection to it was lost before it answered: said so, not as a crash
    const refused = storeWriteRefusal(err) ?? storeConnectionLost(err, command.writes === true);
    if (refused) {
      process.stderr.write(`chut ${name}: ${refused.message}\n`);
      return refused.exitCode;
    }
    process.stderr.write(`chut ${name}: unexpected error: ${describeError(err)}\n`);
    return EXIT.failure;
  }
}

/** Runs `chut ARGV…` and sets the exit code. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`chut: ${String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
