/**
 * What the AMI adapter will send on every screened call, built once from the configuration at start-up: a value
 * that cannot travel as a Setvar (a captcha prompt list longer than 256 characters, a sound name with a space…)
 * is a configuration error, said by `chut check-config` and `chut run` before the first call, instead of a
 * warning and a fail-open ring on every captcha call.
 */
import type { Config } from '../config.js';
import { ACTIONS } from '../rules/types.js';
import { AmiValueError } from './values.js';
import { captchaVariables, routeVariables, setvar, type Variable } from './variables.js';

/** Any valid channel name: only the values are checked here. */
const SAMPLE_CHANNEL = 'PJSIP/check-00000000';

/** The problems, one line each (empty when every route's variables can be sent). */
export function amiConfigProblems(config: Readonly<Config>): string[] {
  if (!config.ami.enabled || config.ami.mode === 'monitor') return [];
  const problems = new Set<string>();
  const tryBuild = (build: () => Variable[]) => {
    try {
      for (const [name, value] of build()) setvar(SAMPLE_CHANNEL, name, value);
    } catch (err) {
      if (!(err instanceof AmiValueError)) throw err;
      problems.add(`ami: ${err.message}${err.field === 'CHUT_CAPTCHA_PROMPTS' ? PROMPTS_HINT(config) : ''}`);
    }
  };
  tryBuild(() => captchaVariables(config, '0'.repeat(config.captcha.length)));
  for (const route of ACTIONS) if (route !== 'captcha') tryBuild(() => routeVariables(config, route));
  return [...problems];
}

const PROMPTS_HINT = (config: Readonly<Config>): string =>
  ` (captcha.prompts.${config.captcha.language}: the AMI dialplan receives all four prompt lists in one Setvar value; ` +
  'use fewer or shorter sound names, or the ARI adapter)';
