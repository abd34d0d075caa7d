import { describe, expect, it } from 'vitest';
import { captchaVariables } from '../../../src/ami/variables.js';
import { parseConfig } from '../../../src/config.js';

describe('AMI captcha variables', () => {
  const config = parseConfig({ captcha: { onFail: 'voicemail', onTimeout: 'reject' } });
  const get = (vars: ReadonlyArray<readonly [string, string]>, name: string) => vars.find(([k]) => k === name)?.[1];

  it('sends the configuration’s failure routes, and CHUT_DECISION last', () => {
    const vars = captchaVariables(config, '4721');
    expect(get(vars, 'CHUT_CAPTCHA_ONFAIL')).toBe('voicemail');
    expect(get(vars, 'CHUT_CAPTCHA_ONTIMEOUT')).toBe('reject');
    expect(get(vars, 'CHUT_CAPTCHA_DIGITS')).toBe('4721');
    expect(vars.at(-1)).toEqual(['CHUT_DECISION', 'captcha']);
  });

  it('a policy rule’s failure routes win over the configuration', () => {
    const vars = captchaVariables(config, '4721', { onFail: 'reject', onTimeout: 'voicemail' });
    expect(get(vars, 'CHUT_CAPTCHA_ONFAIL')).toBe('reject');
    expect(get(vars, 'CHUT_CAPTCHA_ONTIMEOUT')).toBe('voicemail');
  });
});
