import { renderReport } from '../../report/index.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { cliLogger, loadCliConfig, openStore } from '../context.js';
import { parseSince } from '../../when.js';
import { usageError } from '../errors.js';
import { openOutputFile } from '../output-file.js';
import { HOUR_MS } from '../../time-units.js';

const FORMATS = ['text', 'json', 'csv', 'html'] as const;
type Format = (typeof FORMATS)[number];

export const reportCommand: Command = {
  name: 'report',
  summary: 'what chut did: calls by route and rule, captcha pass rate, top callers',
  help: `usage: chut report [--since 24h|7d|30d|DATE] [--format text|json|csv|html] [--output FILE]

Counts by route, by action and by rule, captcha pass rate, degraded (fail-open) and shadow decisions, the top
callers the policy rejects and challenges, calls by hour (in text, by day past 48 hours). --format html writes one
self-contained file with SVG charts (mail it, open it offline).
A route is what was actually done: ring, voicemail, reject, or hung-up (the caller hung up before the
route was taken, e.g. during the captcha); AMI only, captcha: chut lost track of a call during the dialplan's
captcha (it stopped, or neither outcome nor route came back), so where the call ended is unknown.

Calls are counted per UTC hour, so a report starts at the top of the hour --since falls in (--since 24h at 14:20
counts from 14:00 yesterday; the header's "since" says when), and a window shorter than 1h is refused.

  --since WHEN        how far back: a duration of 1h or more (24h, 7d, 30d) or an ISO date or time, in UTC
                      unless it names an offset (2026-11-24T10:00 is 10:00 UTC; 2026-11-24T10:00+01:00 is
                      09:00 UTC), whatever the host's time zone (default 24h)
  --format FMT        text (default), json, csv or html (the JSON and CSV fields: src/report/README.md,
                      shipped with chut)
  --json              same as --format json
  -o, --output FILE   write to FILE instead of standard output
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
  chut report --since 7d
  chut report --since 30d --format html -o report.html
  chut report --since 2026-11-24 --json`,
  async run(argv) {
    const { values } = parse(argv, {
      since: { type: 'string', default: '24h' }, format: { type: 'string' }, json: { type: 'boolean' },
      output: { type: 'string', short: 'o' }, redis: { type: 'string' },
    }, false);
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    if (values.json && values.format !== undefined && values.format !== 'json') throw usageError(`--json and --format ${values.format} conflict: give one`);
    const format = (values.json ? 'json' : values.format ?? 'text') as Format;
    if (!FORMATS.includes(format)) throw usageError(`--format must be one of ${FORMATS.join(', ')}`);
    const now = Date.now();
    const since = parseSince(values.since as string, now);
    if (since === null) throw usageError(`--since ${JSON.stringify(values.since)}: use a duration like 24h, 7d, 30d or an ISO date`);
    if (since > now) {
      // an ISO date is read in UTC unless it names an offset: the server's time, in UTC, shows which day it is there
      throw usageError(`--since ${JSON.stringify(values.since)} is in the future: it is ${new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z')} ` +
        'on this machine (UTC). Give a past date or time, or a duration like 24h, 7d, 30d');
    }
    // a 30m report (or an ISO time 30 minutes ago) would silently count from the top of the hour (up to 89
    // minutes): refused, rather than mislabelled; a time on the hour is counted exactly
    if (now - since < HOUR_MS && since % HOUR_MS !== 0) {
      throw usageError(`--since ${JSON.stringify(values.since)}: calls are counted per hour, so the shortest window is 1h (which counts from the top of the previous hour)`);
    }
    const loaded = loadCliConfig({ config: values.config, redis: values.redis });
    // an --output that cannot be written fails (exit 73) before Redis is touched; the file is replaced once complete
    const file = values.output ? await openOutputFile(values.output) : null;
    let text: string;
    try {
      const store = await openStore(loaded, cliLogger('warn'));
      try {
        const stats = await store.stats({ since, now });
        text = renderReport(stats, format, { sinceLabel: values.since as string, now });
      } finally {
        await store.close();
      }
    } catch (err) {
      await file?.discard();
      throw err;
    }
    if (file) await file.write(text);
    else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
};
