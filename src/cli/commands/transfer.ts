/** `chut import` and `chut export`: lists in and out, lossless, never half-applied. */
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { runCooperatively } from '../../cooperative.js';
import { redactRedisSecrets } from '../../redis-client.js';
import { decodeListFile, formatExport, ImportUnconfirmedError, MalformedRecordError } from '../../reputation/index.js';
import { importColumnSteps, skipCountsText, skipsSuggestWrongFormat, type ImportedList, type ImportOptions } from '../../reputation/import.js';
import { listOverlap, overlapNotes, type ListOverlap } from '../../reputation/transfer-overlap.js';
import type { ListName } from '../../reputation/types.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { cliLogger, loadCliConfig, openStore, storeConnectionLost } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { openOutputFile } from '../output-file.js';
import { countedGrouped, groupedDigits } from '../../plural.js';

/** A file is parsed whole before anything is written (all or nothing), so its size is bounded up front: 64 MiB here,
 * and at most MAX_IMPORT_LINES lines (2 million) in the parse: a 64 MiB file of bare numbers is 5 million lines, which
 * ended in a V8 heap dump. A parsed line is held in ~33 bytes of columns (import.ts); `chut import` of 1.5 million
 * lines (34 MB) peaks at ~300 MB of RSS (docs/benchmarks.md, "Import memory"). */
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
const FORMATS = ['auto', 'csv', 'ftc', 'chut'] as const;
type Format = (typeof FORMATS)[number];

export const importCommand: Command = {
  name: 'import',
  summary: 'import numbers into a list from a CSV file',
  help: `usage: chut import FILE [--format auto|csv|ftc|chut] [--list block|allow] [--source NAME] [--dry-run] [--force] [--json]

Formats: csv (number,reason — header optional), ftc (the FTC Do-Not-Call complaint CSV), chut (what chut export
writes: lossless, except entries no caller could match any more, which are skipped as invalid numbers, and entries
whose expiry has passed, skipped as already expired), auto (sniffed from the header; the default). Fields are
separated by commas, or by semicolons when a semicolon comes before any comma on the first line, outside quotes and
URIs (Excel in French). The file must be UTF-8 (Excel: "CSV UTF-8").
The whole file is parsed first: a file that cannot be parsed applies nothing (at most 64 MiB and 2,000,000 lines:
split larger files). Prints how many lines were taken and skipped, and why; exits 65 when it takes nothing (an empty
file, or every line skipped: the reason goes to standard error) or when the store refuses an entry it cannot hold
(named; nothing imported), 66 when FILE is missing or unreadable. When Redis fails during the writes (an error, the
connection lost, no reply for 30 s), what was written is undone; if that cannot be done (or Redis did not confirm
a write), it exits 69 saying part of the file may be applied: run the import again to apply it whole.
An import never moves an entry off the other list (chut block and chut allow do): a number on both lists rings
(allow wins), so a bulk blocklist cannot silence a number the household allowed. The lines taken that land on
both lists are counted and reported ("3 also on the allowlist: kept there …").

  --format FMT        file format (default auto)
  --list NAME         list for csv/ftc files (default block; chut files say their own list)
  --source NAME       source recorded with each entry (default import:<the format read: csv, ftc or chut>); a chut
                      file's lines keep their own source: NAME only fills in an empty one
  --dry-run           parse and report, write nothing (offline: the other list is not checked)
  --force             take prefixes of 3 digits or fewer (a whole country code such as +33*); skipped otherwise,
                      except in a restore (--format chut, given by name): an export's prefixes were forced when
                      they were made and come back without --force (an auto-detected chut file gets no such pass)
  --json              machine-readable output: {dryRun, imported, stats, overlap, notes}
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
  chut import bloctel.csv --dry-run            # what would be taken, and why lines are skipped
  chut import complaints.csv --format ftc
  chut import --format chut lists.csv          # a restore of what chut export wrote`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      format: { type: 'string', default: 'auto' }, list: { type: 'string', default: 'block' },
      source: { type: 'string' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' }, redis: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    if (positionals.length !== 1) throw usageError('import takes exactly one FILE (see chut import --help)');
    const format = values.format as Format;
    if (!FORMATS.includes(format)) throw usageError(`--format must be one of ${FORMATS.join(', ')}`);
    if (values.list !== 'block' && values.list !== 'allow') throw usageError('--list must be block or allow');
    const file = positionals[0] as string;
    const loaded = loadCliConfig({ config: values.config, redis: values.redis });
    const now = Date.now();
    let interrupted = `interrupted while reading ${file}: nothing imported`;
    const stopWatching = endOnInterrupt(() => interrupted);
    let columns: ImportedList['records'];
    let stats: ImportedList['stats'];
    let overlap: ListOverlap | null = null;
    const dryRun = values['dry-run'] === true;
    try {
      ({ records: columns, stats } = await parseImportFile(file, {
        format, list: values.list as ListName, source: values.source,
        defaultCountry: loaded.config.screening.defaultCountry, now, allowBroadPrefixes: values.force === true,
      }));
      interrupted = `${file}: interrupted: nothing imported`;
      if (!dryRun && columns.length) {
        const store = await openStore(loaded, cliLogger('warn'));
        try {
          // read before the write: what is on the other list now (or in this file) stays there
          overlap = await listOverlap(store, columns, now);
          stopWatching(); // from here a Ctrl-C undoes the writes made
          await importUndoneOnInterrupt(file, (signal) => store.importList(columns, { signal }), (text) => redactRedisSecrets(text, loaded.config.redis));
        } catch (err) {
          // a record the parser let through and the store refuses: the file's fault, found before any write (the
          // stores check every record first), so bad data (65) like a line the parser refuses, not a crash
          if (err instanceof MalformedRecordError) {
            throw new CliError(`${file}: ${err.entry ?? 'an entry'} cannot be stored (${err.message}); nothing imported`, EXIT.dataError);
          }
          // before any write, or after the import undid its writes (what it could not undo is an ImportUnconfirmedError)
          const lost = storeConnectionLost(err, false);
          throw lost ? new CliError(`${file}: ${lost.message} (nothing imported)`, lost.exitCode) : err;
        } finally {
          await store.close();
        }
      }
    } finally {
      stopWatching();
    }
    const why = skipCountsText(Object.entries(stats.skippedWhy));
    // nothing to take (an empty file, or every line refused: usually the wrong file or --format): a script must
    // notice, and the reason goes to stderr alone (no "imported 0 entries" on stdout). A backup whose entries have all
    // expired since, or a file of country-wide prefixes without --force, is read right: --format is not the fix there.
    if (stats.taken === 0) {
      const fix = skipsSuggestWrongFormat(stats.skippedWhy) ? 'check --format (nothing imported)' : 'nothing imported';
      throw new CliError(stats.skipped > 0 ? `${file}: no line could be imported, skipped ${groupedDigits(stats.skipped)} (${why}); ${fix}` : `${file} holds no list entry`, EXIT.dataError);
    }
    const notes = overlap ? overlapNotes(overlap) : [];
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ dryRun, imported: dryRun ? 0 : columns.length, stats, overlap, notes }, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${dryRun ? 'would import' : 'imported'} ${countedGrouped(stats.taken, 'entry', 'entries')}, skipped ${groupedDigits(stats.skipped)}${why ? ` (${why})` : ''}\n`);
    if (stats.firstSkipped.length) {
      process.stdout.write(`first skipped: ${stats.firstSkipped.map((s) => `line ${s.line} (${s.why})`).join(', ')}\n`);
    }
    for (const note of notes) process.stdout.write(`${note}\n`);
    return 0;
  },
};

/**
 * Until the writes begin (reading, parsing, the other list looked up), Ctrl-C (or SIGTERM) ends the import at once:
 * nothing was written, nothing is left to undo, and it says so (Node's default ended it silently). The parse runs in
 * slices (parseImportFile) so that the signal is seen while it goes on. Returns the function that stops watching.
 */
function endOnInterrupt(message: () => string): () => void {
  const onSignal = () => {
    process.stderr.write(`chut import: ${message()}\n`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/**
 * Runs the import with Ctrl-C (or SIGTERM) undoing it: the writes stop and those made are undone, so the file is
 * applied whole or not at all, as promised (the default would end the process half-way). A second Ctrl-C ends it at
 * once, as the message says. An import Redis left partly applied (writes it did not confirm, or an undo that failed)
 * says so, Ctrl-C or not: "nothing imported" would be false. `redact`: the Redis errors it quotes, without passwords.
 */
async function importUndoneOnInterrupt(file: string, run: (signal: AbortSignal) => Promise<void>, redact: (text: string) => string): Promise<void> {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write(`chut import: ${signal}: undoing what was written (${signal} again to quit at once, leaving it half-applied)\n`);
    interrupt.abort(new Error(`interrupted (${signal})`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await run(interrupt.signal);
  } catch (err) {
    if (err instanceof ImportUnconfirmedError) throw new CliError(`${file}: ${redact(err.message)}`, EXIT.unavailable);
    if (interrupt.signal.aborted) throw new CliError(`${file}: interrupted: nothing imported`, EXIT.interrupted);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The file read and parsed; its text (up to 64 MiB) is not held past the parse: nothing parsed points into it. The
 * parse gives the event loop a turn now and then (seconds for a big file): a Ctrl-C meanwhile is seen at once. */
async function parseImportFile(file: string, o: ImportOptions): Promise<ImportedList> {
  const text = await readImportFile(file);
  try {
    return await runCooperatively(importColumnSteps(text, o));
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message} (nothing imported)`, EXIT.dataError);
  }
}

/** Why an input file cannot be opened, for exit 66 (sysexits' EX_NOINPUT: missing or unreadable). */
const NO_INPUT: Record<string, string> = {
  ENOENT: 'no such file', ENOTDIR: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', ELOOP: 'too many symbolic links',
};

async function readImportFile(file: string): Promise<string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliError(`cannot read ${file}: not a file (${info.isDirectory() ? 'a directory' : 'a device, pipe or socket'})`, EXIT.noInput);
    if (info.size > MAX_IMPORT_BYTES) {
      throw new CliError(`${file} is larger than ${MAX_IMPORT_BYTES >> 20} MiB (about 2.5 million lines): split it and import the parts (nothing imported)`, EXIT.dataError);
    }
    const bytes = await readFile(file);
    try {
      return decodeListFile(bytes);
    } catch (err) {
      throw new CliError(`${file}: ${(err as Error).message} (nothing imported)`, EXIT.dataError);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code ? NO_INPUT[code] : undefined;
    if (code && why) throw new CliError(`cannot read ${file}: ${why} (${code}); nothing imported`, EXIT.noInput);
    throw new CliError(`cannot read ${file}: ${code ?? (err as Error).message}`, EXIT.dataError);
  }
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export both lists as CSV (re-importable with --format chut)',
  help: `usage: chut export [--output FILE]

Writes every allow/block entry (numbers and prefixes, reason, source, dates) as CSV, lossless: chut import
--format chut reads it back identically (but for entries whose expiry has passed by then: lookups ignore them
already, and the import skips them). Expired entries are listed until they are removed (see chut prune).

  -o, --output FILE   write to FILE instead of standard output
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
  chut export -o lists.csv                     # a backup: chut import --format chut lists.csv restores it`,
  async run(argv) {
    const { values } = parse(argv, { output: { type: 'string', short: 'o' }, redis: { type: 'string' } }, false);
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    const loaded = loadCliConfig({ config: values.config, redis: values.redis });
    // an --output that cannot be written fails (exit 73) before Redis is touched
    const file = values.output ? await openOutputFile(values.output) : null;
    const store = await openStore(loaded, cliLogger('warn')).catch(async (err: unknown) => {
      await file?.discard();
      throw err;
    });
    try {
      const lines = formatExport(store.exportLists());
      if (!file) {
        await pipeline(Readable.from(lines), process.stdout, { end: false });
        return 0;
      }
      await file.write(lines);
    } finally {
      await store.close();
    }
    return 0;
  },
};
