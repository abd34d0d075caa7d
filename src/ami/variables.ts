/**
 * The channel variables chut sets on a screened call, as chut-ami.conf reads them. Every value is built from
 * configuration or chut's own data (never from the caller) and validated field by field anyway.
 */
import type { Config } from '../config.js';
import type { Action, CaptchaFailRoutes } from '../rules/types.js';
import * as v from './values.js';

export type Variable = readonly [name: string, value: string];

/** One Setvar on one channel: the channel is mandatory (without it Asterisk sets a global). */
export function setvar(channel: string, name: string, value: string): v.AmiAction {
  return { action: 'Setvar', channel: v.channelName(channel), variable: v.variableName(name), value: v.assertNoControl(name, value) };
}

export function routeVariables(config: Readonly<Config>, route: Exclude<Action, 'captcha'>): Variable[] {
  const vars: Variable[] = [];
  if (route === 'voicemail' && config.routes.voicemailMailbox) {
    vars.push(['CHUT_MAILBOX', v.mailbox(config.routes.voicemailMailbox)]);
  }
  if (route === 'reject') vars.push(['CHUT_REJECT_STYLE', config.routes.reject]);
  vars.push(['CHUT_DECISION', v.decisionRoute(route)]);
  return vars;
}

/** The captcha's settings, then CHUT_DECISION=captcha last (the dialplan only polls that one). */
export function captchaVariables(config: Readonly<Config>, digits: string, routes: CaptchaFailRoutes = {}): Variable[] {
  const c = config.captcha;
  const prompts = c.prompts[c.language] ?? c.prompts.en ?? Object.values(c.prompts)[0];
  const promptField = prompts
    ? [prompts.intro, prompts.retry, prompts.thanks, prompts.goodbye].map((list) => v.promptList('CHUT_CAPTCHA_PROMPTS', list)).join('|')
    : '';
  return [
    ['CHUT_CAPTCHA_DIGITS', v.captchaDigits(digits)],
    ['CHUT_CAPTCHA_ATTEMPTS', v.integerIn('CHUT_CAPTCHA_ATTEMPTS', c.attempts, 1, 5)],
    ['CHUT_CAPTCHA_TIMEOUT', v.seconds('CHUT_CAPTCHA_TIMEOUT', c.firstDigitTimeoutMs, 500, 30_000)],
    ['CHUT_CAPTCHA_DIGIT_TIMEOUT', v.seconds('CHUT_CAPTCHA_DIGIT_TIMEOUT', c.interDigitTimeoutMs, 500, 10_000)],
    // the policy rule's failure routes win over the configuration's
    ['CHUT_CAPTCHA_ONFAIL', routes.onFail ?? c.onFail],
    ['CHUT_CAPTCHA_ONTIMEOUT', routes.onTimeout ?? c.onTimeout],
    ['CHUT_CAPTCHA_LANG', v.dialplanName('CHUT_CAPTCHA_LANG', c.language)],
    ['CHUT_CAPTCHA_PROMPTS', promptField],
    ['CHUT_DECISION', 'captcha'],
  ];
}
