/**
 * Environment variables chut would otherwise ignore without a word, said by `chut check-config` (with its other
 * warnings; the unknown ones before the problems of a configuration it refuses) and logged by `chut run`/`serve` at
 * start (said on stderr before the problems, as check-config does, when they refuse the configuration): a `CHUT_` variable chut does not read (`CHUT_REDIS_UR` in a systemd unit or a docker env file ran chut on its
 * defaults with no hint, where the same slip in the file is refused with "did you mean"), and a variable another setting makes pointless (`CHUT_REDIS_URL` beside `redis.sentinel` or `store:
 * memory`). Warnings, never refusals: an image or a shell may carry variables meant for another version of chut.
 * A variable's value is never said (it may be a secret); its name is shown with any invisible character escaped.
 */
import { ENV_VARS, type Config } from '../config.js';
import { showInvisible } from '../show-invisible.js';
import { nearestKey } from '../validation-issues.js';

type Env = Record<string, string | undefined>;

/** `CHUT_` variables that are no setting (ENV_VARS lists those) but are read on purpose, by chut or by its own
 * tooling, which may run chut with them set: none of them is warned of. Keep it to names something reads. */
export const OTHER_CHUT_VARIABLES: Readonly<Record<string, string>> = {
  CHUT_CONFIG: 'the configuration file chut reads (src/config.ts); docker/compose.yaml sets it',
  CHUT_TEST_REDIS_URL: 'the Redis the test suite uses (tests/helpers/redis.ts, redis-global-setup.ts)',
  CHUT_REQUIRE_REDIS_SERVER: 'set by CI (.ci/run): the tests that start a redis-server may not skip',
  CHUT_SLOW_MODULE: 'tests/helpers/slow-load-hooks.mjs, with which cli-signals.test.ts runs chut: the module to hold',
  CHUT_SLOW_MARKER: 'tests/helpers/slow-load-hooks.mjs: the file written once the held module starts loading',
  CHUT_SLOW_MS: 'tests/helpers/slow-load-hooks.mjs: how long the module is held',
  CHUT_BENCH_LOG: 'where the benchmarks write chut\'s log (bench/logger.ts)',
  CHUT_BENCH_PEER: 'a benchmark peer process\'s orders (bench/peer.ts)',
};

const KNOWN = [...ENV_VARS, ...Object.keys(OTHER_CHUT_VARIABLES)];

/** The Asterisk dialplan's variables an administrator sets (README: CHUT_RING_TARGET, CHUT_WAIT_MS, CHUT_VM_DEFAULT):
 * put in chut's environment by mistake, they need to be told where they belong, not which variable chut reads. */
const DIALPLAN_VARIABLES = ['CHUT_RING_TARGET', 'CHUT_WAIT_MS', 'CHUT_VM_DEFAULT'];
const IN_THE_DIALPLAN = '(it is a variable of the Asterisk dialplan: set it there, in [globals] or on the channel, as the ' +
  'snippet in dialplan/asterisk/ says)';

/** Set `CHUT_` variables (in any case: the environment's names are) chut reads nowhere, each with the known name it
 * is a slip of when one is near. An empty one is skipped: chut reads an empty variable as unset, so it changes nothing
 * either way. */
export function unknownVariableWarnings(env: Env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /^chut_/i.test(name) && !KNOWN.includes(name) && value !== undefined && value !== '')
    .map(([name]) => name)
    .sort()
    .map((name) => {
      const near = nearestKey(name, KNOWN);
      const hint = DIALPLAN_VARIABLES.includes(name.toUpperCase()) ? IN_THE_DIALPLAN
        : near === null ? '(config/chut.example.yaml lists those chut reads)' : `(did you mean ${near}?)`;
      return `${showInvisible(name)} is set, but chut reads no environment variable of that name: it is ignored ${hint}`;
    });
}

/** Set variables a setting that wins makes pointless. Checked alike and left unsaid: a flag over its variable
 * (--redis, --policy, --config: typed for this one command), and a variable of a part that is off (CHUT_ARI_* with
 * ARI disabled, CHUT_HTTP_HOST with http.enabled false, CHUT_ESL_PASSWORD without esl.inbound): an image sets
 * CHUT_HTTP_HOST, and one env file may serve several setups. */
export function ignoredVariableWarnings(config: Readonly<Config>, env: Env, file: string | null): string[] {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const inFile = file ?? 'the configuration';
  if (config.store === 'memory') {
    const from = set('CHUT_STORE') ? 'CHUT_STORE=memory' : `store: memory in ${inFile}`;
    return ['CHUT_REDIS_URL', 'CHUT_REDIS_PREFIX'].filter(set).map((name) =>
      `${name} is ignored: ${from}, so chut uses no Redis. Unset ${name}, or set store: redis to use it`);
  }
  if (config.redis.sentinel && set('CHUT_REDIS_URL')) {
    return [`CHUT_REDIS_URL is ignored: redis.sentinel in ${inFile} says where Redis is, and wins over any URL. ` +
      'Unset CHUT_REDIS_URL, or remove redis.sentinel to use it'];
  }
  return [];
}

/** `load()` (reading the configuration); when it refuses, the unknown-variable warnings go to stderr first, before the
 * problems: a misspelt variable may be why. For check-config and run alike. */
export function sayingUnknownVariablesOnRefusal<T>(load: () => T, env: Env = process.env): T {
  try {
    return load();
  } catch (err) {
    process.stderr.write(unknownVariableWarnings(env).map((w) => `warning: ${w}\n`).join(''));
    throw err;
  }
}
