import { BROAD_PREFIX_WHY, isBroadPrefix, parseListEntry } from '../../phone/index.js';
import type { ListEntry } from '../../phone/types.js';
import { cleanReason } from '../../reputation/records.js';
import type { ListName } from '../../reputation/types.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { cliLogger, loadCliConfig, openStore } from '../context.js';
import { parseExpiry } from '../../when.js';
import { CliError, EXIT, usageError } from '../errors.js';

const ENTRY_HELP = `NUMBER is any form of a number (0612345678, +33612345678, 0033612345678); PREFIX ends with * (0162*, +33162*).
A national prefix takes the calling code its numbers are normalised under: with FR, 0590* is +590590* (Guadeloupe);
one too short to tell (05*: Bordeaux and Guadeloupe) keeps the default country's (+335*): write the + form then.`;

function entryOf(raw: string | undefined, country: string): ListEntry {
  if (!raw) throw usageError('missing NUMBER or PREFIX');
  const entry = parseListEntry(raw, country);
  // a command-line argument, like a bad --expires: a usage error (65 is for the data in an import file)
  if ('error' in entry) throw usageError(`${JSON.stringify(raw)} is not a number or prefix: ${entry.error}`);
  return entry;
}

const show = (e: ListEntry): string => (e.kind === 'number' ? e.e164 : `${e.prefix}*`);

function listCommand(list: ListName): Command {
  return {
    name: list,
    writes: true,
    summary: `${list === 'allow' ? 'allowlist' : 'blocklist'} a number or prefix`,
    help: `usage: chut ${list} NUMBER|PREFIX [--reason TEXT] [--expires 30d|DATE] [--force]

${list === 'allow' ? 'Calls from an allowlisted number or prefix ring (see config/policy.yaml).' : 'Calls from a blocklisted number or prefix are rejected (see config/policy.yaml).'}
${ENTRY_HELP}

  --reason TEXT       why (shown by chut lookup, the API and the dashboard)
  --expires WHEN      a duration from now (90m, 12h, 30d) or an ISO date or time (UTC unless it names an
                      offset: 2027-01-31T18:00+01:00); default: never
  --force             accept a prefix of 3 digits or fewer (a whole country code such as +33*)
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
${list === 'allow'
    ? `  chut allow 0612345678 --reason Maman
  chut allow '+33145*' --reason 'the office' --expires 30d   # a prefix: quoted, or the shell may expand the *`
    : `  chut block 0612345678 --reason 'fake energy supplier' --expires 90d
  chut block '0162*' --reason NPV                             # a prefix: quoted, or the shell may expand the *`}`,
    async run(argv) {
      const { values, positionals } = parse(argv, { reason: { type: 'string' }, expires: { type: 'string' }, force: { type: 'boolean' }, redis: { type: 'string' } });
      if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
      if (positionals.length !== 1) throw usageError(`${list} takes exactly one NUMBER or PREFIX (see chut ${list} --help)`);
      const loaded = loadCliConfig({ config: values.config, redis: values.redis });
      const entry = entryOf(positionals[0], loaded.config.screening.defaultCountry);
      if (isBroadPrefix(entry) && !values.force) {
        throw usageError(`${entry.prefix}* ${BROAD_PREFIX_WHY}; add --force if you mean it`);
      }
      const now = Date.now();
      const expiresAt = values.expires === undefined ? null : parseExpiry(values.expires, now);
      if (expiresAt === null && values.expires !== undefined) throw usageError(`--expires ${JSON.stringify(values.expires)}: use a duration like 30d or an ISO date up to 9999-12-31`);
      if (expiresAt !== null && expiresAt <= now) throw usageError('--expires is in the past');
      // as an import cleans it: controls and bidi overrides out, cut on a character boundary (an emoji is never halved)
      const reason = cleanReason(values.reason);
      const store = await openStore(loaded, cliLogger('warn'));
      let movedFrom: boolean;
      try {
        movedFrom = await store.addListEntry({ list, entry, reason, source: 'cli', addedAt: now, expiresAt }, { exclusive: true });
      } finally {
        await store.close();
      }
      const other = list === 'allow' ? 'block' : 'allow';
      process.stdout.write(`${list === 'allow' ? 'allowlisted' : 'blocklisted'} ${show(entry)}${expiresAt ? ` until ${new Date(expiresAt).toISOString()}` : ''}` +
        `${movedFrom ? ` (removed from the ${other} list)` : ''}\n`);
      return 0;
    },
  };
}

export const allowCommand = listCommand('allow');
export const blockCommand = listCommand('block');

export const unlistCommand: Command = {
  name: 'unlist',
  writes: true,
  summary: 'remove a number or prefix from the allow and block lists',
  help: `usage: chut unlist NUMBER|PREFIX [--list allow|block]

Removes the entry from both lists (or only the one named). Exit code 1 when it was on neither.
${ENTRY_HELP}

  --list NAME         only this list
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
  chut unlist 0612345678
  chut unlist '0162*' --list block`,
  async run(argv) {
    const { values, positionals } = parse(argv, { list: { type: 'string' }, redis: { type: 'string' } });
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    if (positionals.length !== 1) throw usageError('unlist takes exactly one NUMBER or PREFIX (see chut unlist --help)');
    if (values.list !== undefined && values.list !== 'allow' && values.list !== 'block') throw usageError('--list must be allow or block');
    const loaded = loadCliConfig({ config: values.config, redis: values.redis });
    const entry = entryOf(positionals[0], loaded.config.screening.defaultCountry);
    const store = await openStore(loaded, cliLogger('warn'));
    try {
      const removed = await store.removeListEntry(entry, values.list as ListName | undefined);
      // a failure is said where failures go: a script reading stdout sees nothing removed
      if (!removed) throw new CliError(`${show(entry)} was not listed${values.list ? ` on the ${values.list} list` : ''}`, EXIT.failure);
      process.stdout.write(`removed ${show(entry)}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
