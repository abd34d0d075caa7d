import { renderReport } from '../../report/index.js';
import { DEMO_PBXS, type DemoPbx } from '../../sim/index.js';
import type { Command } from '../command.js';
import { parse } from '../command.js';
import { inParisTime } from '../demo/paris-time.js';
import { runDemo, type DemoRow } from '../demo/run-demo.js';
import { renderTable } from '../demo/table.js';
import { usageError } from '../errors.js';

const HEADERS = ['time (Paris)', 'caller', 'name', 'scenario', 'route', 'rule', 'captcha', 'why'];

/** Cut to `max` characters at a word boundary, with an ellipsis, so a long reason does not end mid-word. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

function cells(row: DemoRow): string[] {
  const r = row.record;
  const caller = r ? r.caller : '?';
  const route = row.outcome.route + (r && r.route !== row.outcome.route && !(r.route === 'hung-up') ? ` (chut: ${r.route})` : '');
  return [row.call.at, caller, row.call.callerName.slice(0, 20) || '-', row.call.label, route, r?.rule ?? '-', r?.captcha ?? '-', clip(inParisTime(r?.reasons[0] ?? ''), 90)];
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'replay a scripted day of calls through the built-in PBX simulator (no setup needed)',
  help: `usage: chut demo [--pbx asterisk|freeswitch|ami] [--redis URL [--prefix P]] [--json]

Starts a built-in PBX simulator on loopback (Asterisk ARI by default) that speaks the real protocol, connects
chut to it exactly as \`chut run\` does, and replays a day of calls: known contacts, telemarketers on the ARCEP
prefixes inside and outside legal hours, withheld callers, a burst from one number block, robots that never pass
the captcha, people who pass it and then call again, on the latest working Tuesday before today (Paris time).
Prints each call's route and reason, then a report.
Uses the in-memory store unless --redis is given, the shipped config/policy.yaml and its own built-in settings
(--config does not apply). With --redis, the demo's keys stay under --prefix afterwards for you to inspect, e.g.
CHUT_REDIS_PREFIX=chut-demo: chut report --since 30d --redis URL.

  --pbx KIND          asterisk (ARI, default), ami (Asterisk AMI dialplan mode) or freeswitch (Event Socket)
  --redis URL         run on this Redis (keys under --prefix, wiped first)
  --prefix P          with --redis: key prefix for the demo, wiped first; must contain "demo" (default chut-demo:)
  --json              machine-readable output
  -h, --help          show this help

examples:
  chut demo --pbx freeswitch
  chut demo --redis redis://127.0.0.1:6379                # then the day is there to read again:
  CHUT_REDIS_PREFIX=chut-demo: chut report --since 30d --redis redis://127.0.0.1:6379`,
  async run(argv) {
    const { values } = parse(argv, {
      pbx: { type: 'string', default: 'asterisk' }, redis: { type: 'string' }, prefix: { type: 'string' },
      json: { type: 'boolean' },
    }, false);
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    if (values.config !== undefined) throw usageError('the demo runs on its own built-in settings: --config does not apply (see chut demo --help)');
    const pbx = values.pbx as DemoPbx;
    // without --redis the demo runs on the in-memory store: a --prefix would be silently ignored
    if (values.prefix !== undefined && values.redis === undefined) {
      throw usageError('--prefix needs --redis URL: without it the demo runs on the in-memory store and keeps no keys (see chut demo --help)');
    }
    const prefix = values.prefix ?? 'chut-demo:';
    // the demo wipes its prefix first: never let a typo point it at production keys
    if (!/demo/i.test(prefix)) throw usageError('--prefix must contain "demo" (the demo deletes every key under it first)');
    if (!DEMO_PBXS.includes(pbx)) throw usageError(`--pbx must be one of ${DEMO_PBXS.join(', ')}`);
    // the banner once the flags are known good and the store answers: a rejected --prefix or --redis prints nothing on stdout
    const banner = () => { if (!values.json) process.stdout.write(`chut demo: a day of calls through the built-in ${pbx} simulator (policy: config/policy.yaml)\n\n`); };
    const result = await runDemo({
      pbx, redisUrl: values.redis ?? null, redisPrefix: prefix, onStart: banner,
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ calls: result.rows.map((r) => ({ ...r.call, outcome: r.outcome, record: r.record })), stats: result.stats }, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(renderTable(HEADERS, result.rows.map(cells)));
    process.stdout.write(`\n${renderReport(result.stats, 'text', { sinceLabel: 'the demo day', now: result.reportedAt })}`);
    const deadAir = result.rows.filter((r) => r.outcome.route === 'dead-air').length;
    return deadAir ? 1 : 0;
  },
};
