/** `chut prune`: removes the list entries that expired long enough ago, as `chut run` does every hour. */
import type { ListName, PruneResult } from '../../reputation/types.js';
import { durationMs } from '../../when.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { cliLogger, loadCliConfig, openStore } from '../context.js';
import { usageError } from '../errors.js';
import { DAY_MS } from '../../time-units.js';
import { groupedDigits, pluralNoun } from '../../plural.js';

/** `removed 3 allowlist and 1,200 blocklist entries that expired before …` (or `would remove`, for a dry run). */
export function pruneSummary(result: PruneResult, expiredBefore: number, dryRun: boolean): string {
  return `${dryRun ? 'would remove' : 'removed'} ${removedText(result.removed, expiredBefore)}${result.scanned ? ' (every list entry read)' : ''}`;
}

/** What a removal that failed midway had removed: earlier steps stay done, and the user must not think none did. */
export function pruneFailedSummary(removed: Record<ListName, number>, expiredBefore: number): string {
  return `before failing, removed ${removedText(removed, expiredBefore)} (a step whose reply was lost may have removed more)`;
}

/** `1 allowlist and 2 blocklist entries` (`1,200,000`: digits grouped, as the pruner's log writes them): the noun
 * goes with the two counts together. */
function removedText({ allow, block }: Record<ListName, number>, expiredBefore: number): string {
  return `${groupedDigits(allow)} allowlist and ${groupedDigits(block)} blocklist ${pluralNoun(allow + block, 'entry', 'entries')} that expired before ` +
    new Date(expiredBefore).toISOString();
}

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'remove the list entries that expired long enough ago',
  help: `usage: chut prune [--older-than 7d] [--dry-run] [--scan]

Removes the allow and block list entries (numbers and prefixes) that expired more than --older-than ago: calls
already ignore them, but chut export and the API show them until they are removed. chut run does the same by
itself, every hour, with lists.keepExpiredDays (default 7). Entries without an expiry are never removed. Prints
how many entries it removed from each list.

  --older-than AGE    how long ago they expired: a duration (12h, 7d, 2w; 0d: every expired entry); default
                      lists.keepExpiredDays from the configuration (7 days)
  --dry-run           count what would be removed; remove nothing
  --scan              read every list entry, not only the index of the entries with an expiry (done anyway, once,
                      while Redis does not say the index is whole: entries written by a chut from before it)
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
  chut prune --dry-run                # what chut run's next sweep would remove
  chut prune --older-than 0d          # every expired entry, now`,
  async run(argv) {
    const { values } = parse(argv, {
      'older-than': { type: 'string' }, 'dry-run': { type: 'boolean' }, scan: { type: 'boolean' }, redis: { type: 'string' },
    }, false);
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    const loaded = loadCliConfig({ config: values.config, redis: values.redis });
    const olderThan = values['older-than'];
    const keepMs = olderThan === undefined ? loaded.config.lists.keepExpiredDays * DAY_MS : durationMs(olderThan);
    if (keepMs === null) throw usageError(`--older-than ${JSON.stringify(olderThan)}: use a duration like 12h, 7d or 2w`);
    const dryRun = values['dry-run'] === true;
    const expiredBefore = Date.now() - keepMs;
    const store = await openStore(loaded, cliLogger('warn'));
    const removed = { allow: 0, block: 0 };
    let result: PruneResult;
    try {
      result = await store.pruneLists({ expiredBefore, dryRun, scan: values.scan === true ? 'always' : 'unless-indexed', removed });
    } catch (err) {
      // the error itself is said by the dispatcher (stderr, exit code); a dry run's partial count tells nothing
      if (!dryRun) process.stdout.write(`${pruneFailedSummary(removed, expiredBefore)}\n`);
      throw err;
    } finally {
      await store.close();
    }
    process.stdout.write(`${pruneSummary(result, expiredBefore, dryRun)}\n`);
    return 0;
  },
};
