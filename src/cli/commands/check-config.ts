import { ariConfigWarnings } from '../ari-password.js';
import { eslAllowFromWarnings } from '../esl-allow-from.js';
import { ignoredVariableWarnings, sayingUnknownVariablesOnRefusal, unknownVariableWarnings } from '../environment-warnings.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { loadCliSetup } from '../context.js';
import { probeRedis, REDIS_PROBE_MS } from '../redis-probe.js';
import { sentinelUrlWarnings } from '../sentinel-url.js';
import type { Config } from '../../config.js';
import { policyWarnings, type Policy } from '../../rules/index.js';
import { counted } from '../../plural.js';

/** Whether any decision of this policy can end in voicemail: a rule or the default, or a captcha that fails or times out. */
function canRouteToVoicemail(policy: Policy, captcha: Config['captcha']): boolean {
  const actions = [policy.default, ...policy.rules.map((r) => r.action)];
  if (actions.includes('voicemail')) return true;
  if (!actions.includes('captcha')) return false;
  const routes = [captcha.onFail, captcha.onTimeout, ...policy.rules.flatMap((r) => (r.captcha ? [r.captcha.onFail, r.captcha.onTimeout] : []))];
  return routes.includes('voicemail');
}

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate the configuration and the policy file',
  help: `usage: chut check-config [--config FILE] [--policy FILE] [--redis URL]

Validates the configuration (defaults < file < environment < --redis/--policy) and the policy it points to:
every problem is reported with its path. With store: redis it then asks that Redis for a PING (reads only,
${REDIS_PROBE_MS / 1000} s at most) and says in one line whether it answers.

Exit code: 0 when the configuration and the policy are valid, 78 otherwise. Whether Redis answers does not
change it (chut run starts without Redis and lets every call ring until it answers): read the Redis line.

Warnings and notes (valid settings that are probably not what you meant, a CHUT_ variable chut does not read or
another setting makes pointless) follow the report on stdout and never change the exit code. When the files are
refused, stdout stays empty: stderr has the problems, after the warnings of any CHUT_ variable chut does not read
(a misspelt one may be why).

  --policy FILE       check this policy file instead of the configured one
  --redis URL         check this Redis URL (validated, then asked) in place of the configured one
${GLOBAL_HELP}

examples:
  chut check-config --config /etc/chut/chut.yaml
  chut check-config --policy my-policy.yaml`,
  async run(argv) {
    const { values } = parse(argv, { policy: { type: 'string' }, redis: { type: 'string' } }, false);
    if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
    // Every warning goes with the verdict: with the report on stdout, or on stderr before the problems when the files
    // are refused (stdout stays empty then), for a misspelt variable may be why.
    const { loaded, policy } = sayingUnknownVariablesOnRefusal(() => loadCliSetup({ config: values.config, policy: values.policy, redis: values.redis }));
    const unknownVariables = unknownVariableWarnings(process.env).map((w) => `warning: ${w}\n`);
    const c = loaded.config;
    const pbx = (['ari', 'ami', 'esl'] as const).filter((k) => c[k].enabled);
    const notes: string[] = [
      ...unknownVariables,
      ...[...ignoredVariableWarnings(c, process.env, loaded.file), ...sentinelUrlWarnings(loaded), ...ariConfigWarnings(c), ...eslAllowFromWarnings(c), ...policyWarnings(policy)]
        .map((w) => `warning: ${w}\n`),
    ];
    // ARI only: in AMI mode the dialplan picks the box itself (CHUT_VM_DEFAULT, else <dialled>@default); in shadow mode
    // every call rings anyway.
    if (c.ari.enabled && policy.mode !== 'shadow' && c.routes.voicemailMailbox === null && canRouteToVoicemail(policy, c.captcha)) {
      notes.push('note: the policy can send calls to voicemail and routes.voicemailMailbox is not set: over ARI chut asks for a box ' +
        'named after the dialled number (e.g. +33100000000 for a DID); where no such box exists the call rings instead. ' +
        'Set routes.voicemailMailbox (e.g. 100@default).\n');
    }
    // after the files' verdict: a slow Redis must not hide it, and a configuration error never waits for Redis
    const redisLine = c.store === 'redis' ? `${await probeRedis(c.redis, loaded.redisOrigin)}\n` : '';
    process.stdout.write(
      `configuration OK (${loaded.file ?? 'defaults and environment only'})\n` +
        `policy OK (${loaded.policyPath}): mode ${policy.mode}, ${counted(policy.rules.length, 'rule')}, default ${policy.default}\n` +
        `store: ${c.store}${c.store === 'redis' ? ` (prefix ${c.redis.prefix})` : ''}; PBX adapters: ${pbx.length ? pbx.join(', ') : 'none enabled'}; ` +
        `HTTP: ${c.http.enabled ? `${c.http.host}:${c.http.port}${c.http.token ? '' : ' (no token: reads from this machine only, write routes disabled)'}` : 'off'}\n` +
        redisLine + notes.join(''),
    );
    return 0;
  },
};
