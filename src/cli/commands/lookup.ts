import { scoreText } from '../../rules/index.js';
import { createScreeningService } from '../../screening/service.js';
import { stripUnsafeKeepGaps } from '../../phone/sanitize.js';
import { showInvisible } from '../../show-invisible.js';
import type { Explanation } from '../../screening/types.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { cliLogger, loadCliConfig, loadCliPolicy, openStore } from '../context.js';
import { usageError } from '../errors.js';

export function formatExplanation(x: Explanation): string {
  const d = x.decision;
  const n = d.caller.number;
  const who = n.kind === 'valid' ? `${n.e164} (${n.country ?? 'non-geographic'}, ${n.type})` : n.kind === 'withheld' ? 'withheld caller' : `invalid caller ID (${n.reason})`;
  const lines = [who, `decision: ${d.action}  (rule ${d.rule})${d.shadow ? `  [shadow mode: the call would ring]` : ''}`, 'reasons:'];
  for (const r of d.reasons) lines.push(`  - ${r}`);
  const f = x.facts;
  if (f) {
    const trusted = f.trustedUntil && f.trustedUntil > Date.now() ? `until ${new Date(f.trustedUntil).toISOString()}` : 'no';
    // the failed count includes silent timeouts (one counter, `cf`): "failed 1" alone misleads about a robot that never typed
    lines.push(`facts: score ${Number(scoreText(f.score)).toFixed(1)}, reports ${f.reports}, captcha passed ${f.captcha.passed} / failed or timed out ${f.captcha.failed} / hung up ${f.captcha.hungUp}, trusted ${trusted}`);
    if (f.lastSeen) lines.push(`seen: first ${new Date(f.firstSeen ?? f.lastSeen).toISOString()}, last ${new Date(f.lastSeen).toISOString()}`);
  }
  for (const e of x.listEntries) {
    const what = e.entry.kind === 'number' ? e.entry.e164 : `${e.entry.prefix}*`;
    lines.push(`listed: ${e.list} ${what} (${e.reason === null ? 'no reason' : showInvisible(e.reason)}; source ${showInvisible(e.source)}; added ${new Date(e.addedAt).toISOString()}${e.expiresAt ? `; expires ${new Date(e.expiresAt).toISOString()}` : ''})`);
  }
  // Reasons and sources come from imported lists and API calls: shown with their invisible characters as escapes (a
  // reason that looks empty or reads backwards says why); the strip below is the last guard for the terminal
  return `${lines.map(stripUnsafeKeepGaps).join('\n')}\n`;
}

export const lookupCommand: Command = {
  name: 'lookup',
  summary: 'explain what chut would do with a call from NUMBER now',
  help: `usage: chut lookup NUMBER [--dialled DID] [--name NAME] [--json]

Prints the decision a call from NUMBER would get now (the same explanation a call gets: action, rule, reasons)
and the stored facts (lists, score, captcha history, trust). Records nothing.

  --dialled DID       the dialled number, for rules that look at it
  --name NAME         the caller name, for name-pattern rules
  --json              machine-readable output
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
  chut lookup 0162000000
  chut lookup 0612345678 --dialled 0100000000 --name 'ENERGIE PARTENAIRE' --json`,
  async run(argv) {
    const { values, positionals } = parse(argv, { dialled: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' }, redis: { type: 'string' } });
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    if (positionals.length !== 1) throw usageError('lookup takes exactly one NUMBER (see chut lookup --help)');
    const loaded = loadCliConfig({ config: values.config, redis: values.redis });
    const policy = loadCliPolicy(loaded.policyPath, loaded.policyHint);
    const logger = cliLogger('warn');
    const store = await openStore(loaded, logger);
    try {
      const screening = createScreeningService({ store, policy, config: loaded.config, logger });
      const x = await screening.explain(positionals[0] as string, { dialled: values.dialled, callerName: values.name });
      process.stdout.write(values.json ? `${JSON.stringify(x, null, 2)}\n` : formatExplanation(x));
      return 0;
    } finally {
      await store.close();
    }
  },
};
