#!/usr/bin/env node
/** `chut`: the command line. Dispatches to one command; maps errors to exit codes in one place. */
import type { Command } from './command.js';
import { checkConfigCommand } from './commands/check-config.js';
import { demoCommand } from './commands/demo.js';
import { allowCommand, blockCommand, unlistCommand } from './commands/lists.js';
import { lookupCommand } from './commands/lookup.js';
import { reportCommand } from './commands/report.js';
import { runCommandDef, serveCommandDef } from './commands/run.js';
import { exportCommand, importCommand } from './commands/transfer.js';
import { stopQuietlyWhenReaderLeaves } from './closed-pipe.js';
import { CliError, EXIT } from './errors.js';

const COMMANDS: Command[] = [
  runCommandDef, serveCommandDef, demoCommand, lookupCommand, allowCommand, blockCommand, unlistCommand,
  importCommand, exportCommand, reportCommand, checkConfigCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `chut — call screening for Asterisk and FreeSWITCH

usage: chut COMMAND [options]      (chut COMMAND --help for details)

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Configuration: config/chut.yaml (or --config FILE / CHUT_CONFIG), then environment (CHUT_REDIS_URL, CHUT_ARI_URL,
CHUT_API_TOKEN, …). Exit codes: 0 ok, 1 failure, 2 usage, 65 bad data, 69 Redis unreachable or port taken,
73 output file not writable, 78 bad config.
`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write('chut 0.1.0\n');
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
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
    process.stderr.write(`chut ${name}: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`chut: ${String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
