import { describe, expect, it } from 'vitest';
import { amiConfigProblems } from '../../../src/ami/config-check.js';
import { parseConfig } from '../../../src/config.js';

const longList = Array.from({ length: 8 }, (_, i) => `custom/very-long-company-prompt-number-${i}`);

describe('AMI configuration check (what every call would send as Setvar values)', () => {
  it('the shipped defaults pass', () => {
    expect(amiConfigProblems(parseConfig({ ami: { enabled: true } }))).toEqual([]);
  });

  it('a prompt list too long for one Setvar value is named, with the setting to change', () => {
    const config = parseConfig({
      ami: { enabled: true },
      captcha: { language: 'fr', prompts: { fr: { intro: longList, retry: ['r'], thanks: ['t'], goodbye: ['g'] } } },
    });
    const problems = amiConfigProblems(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/CHUT_CAPTCHA_PROMPTS: longer than 256 characters/);
    expect(problems[0]).toContain('captcha.prompts.fr');
  });

  it('nothing is checked when AMI is off or only monitors (no Setvar is ever sent)', () => {
    const captcha = { language: 'fr', prompts: { fr: { intro: longList, retry: ['r'], thanks: ['t'], goodbye: ['g'] } } };
    expect(amiConfigProblems(parseConfig({ captcha }))).toEqual([]);
    expect(amiConfigProblems(parseConfig({ ami: { enabled: true, mode: 'monitor' }, captcha }))).toEqual([]);
  });
});
