/** Nothing reaches asterisk-manager's raw writer unless every value passed its field's check. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { captchaVariables, routeVariables, setvar } from '../../../src/ami/variables.js';
import * as v from '../../../src/ami/values.js';

const INJECTIONS = ['a\r\n\r\nAction: Originate', 'a\nAction: Ping', 'a\rb', 'nul\u0000byte', 'tab\tinside', 'del\u007f'];

describe('AMI value validation', () => {
  it.each(INJECTIONS)('refuses control characters in any value: %j', (bad) => {
    expect(() => v.assertNoControl('Value', bad)).toThrow(v.AmiValueError);
    expect(() => v.channelName(`PJSIP/x-1${bad}`)).toThrow(v.AmiValueError);
    expect(() => v.variableName(`CHUT_${bad}`)).toThrow(v.AmiValueError);
    expect(() => v.credential('Secret', `pw${bad}`)).toThrow(v.AmiValueError);
    expect(() => setvar('PJSIP/trunk-0001', 'CHUT_DECISION', bad)).toThrow(v.AmiValueError);
    expect(() => v.checkAction({ action: 'Setvar', channel: 'PJSIP/trunk-0001', variable: 'X', value: bad })).toThrow(v.AmiValueError);
  });

  it('accepts the channel names Asterisk makes', () => {
    for (const ch of ['Local/0100000000@from-pstn-ami-00000001;2', 'PJSIP/trunk-0000002a', 'DAHDI/i1/0162000000-1', 'SIP/ovh-00000012']) {
      expect(v.channelName(ch)).toBe(ch);
    }
    for (const bad of ['', ' PJSIP/x', 'PJSIP/a b', 'x'.repeat(201)]) expect(() => v.channelName(bad)).toThrow(v.AmiValueError);
  });

  it('only plain variable names: no dialplan functions that would rewrite caller data', () => {
    expect(v.variableName('CHUT_DECISION')).toBe('CHUT_DECISION');
    for (const bad of ['CALLERID(num)', 'GLOBAL(X)', '1ABC', '', 'A-B']) expect(() => v.variableName(bad)).toThrow(v.AmiValueError);
  });

  it('refuses a Setvar without a channel (it would set a global)', () => {
    expect(() => v.checkAction({ action: 'Setvar', variable: 'CHUT_DECISION', value: 'ring' })).toThrow(/global/);
    expect(() => v.checkAction({ action: 'setvar', variable: 'X', value: '1' })).toThrow(v.AmiValueError);
  });

  it('refuses header names that are not plain words', () => {
    expect(() => v.checkAction({ action: 'Ping', 'Bad Name': 'x' })).toThrow(v.AmiValueError);
    expect(() => v.checkAction({ action: 'Ping', 'x\r\nAction': 'x' })).toThrow(v.AmiValueError);
  });

  it('refuses out-of-range values', () => {
    expect(() => v.decisionRoute('allow')).toThrow(v.AmiValueError);
    expect(v.decisionRoute('captcha')).toBe('captcha');
    for (const bad of ['12', '123456789', '12a4', '']) expect(() => v.captchaDigits(bad)).toThrow(v.AmiValueError);
    expect(() => v.integerIn('attempts', 0, 1, 5)).toThrow(v.AmiValueError);
    expect(() => v.integerIn('attempts', 2.5, 1, 5)).toThrow(v.AmiValueError);
    expect(v.integerIn('attempts', 5, 1, 5)).toBe('5');
    expect(() => v.seconds('t', 400, 500, 30_000)).toThrow(v.AmiValueError);
    expect(() => v.seconds('t', Number.NaN, 500, 30_000)).toThrow(v.AmiValueError);
    expect(v.seconds('t', 1500, 500, 30_000)).toBe('1.5');
    expect(() => v.promptList('p', ['ok', 'bad&injected'])).toThrow(v.AmiValueError);
    expect(() => v.mailbox('100@default,evil')).toThrow(v.AmiValueError);
    expect(v.mailbox('100@default')).toBe('100@default');
    // chut-ami.conf's REGEX takes a + in the box (a DID in E.164), not in the context, nor a second @
    expect(v.mailbox('+33100000000@default')).toBe('+33100000000@default');
    expect(() => v.mailbox('100@+ctx')).toThrow(v.AmiValueError);
    expect(() => v.mailbox('100@default@x')).toThrow(v.AmiValueError);
  });

  it('builds the captcha variables with CHUT_DECISION last, all within bounds', () => {
    const config = parseConfig({ captcha: { attempts: 2, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500, onFail: 'reject' } });
    const vars = captchaVariables(config, '4721');
    expect(vars[vars.length - 1]).toEqual(['CHUT_DECISION', 'captcha']);
    expect(Object.fromEntries(vars)).toMatchObject({
      CHUT_CAPTCHA_DIGITS: '4721', CHUT_CAPTCHA_ATTEMPTS: '2', CHUT_CAPTCHA_TIMEOUT: '1', CHUT_CAPTCHA_DIGIT_TIMEOUT: '0.5',
      CHUT_CAPTCHA_ONFAIL: 'reject', CHUT_CAPTCHA_ONTIMEOUT: 'reject',
    });
    expect(Object.fromEntries(vars).CHUT_CAPTCHA_PROMPTS?.split('|')).toHaveLength(4);
    expect(() => captchaVariables(config, '47\r\n21')).toThrow(v.AmiValueError);
  });

  it('builds route variables from configuration only', () => {
    const config = parseConfig({ routes: { voicemailMailbox: '200@default', reject: 'busy' } });
    expect(routeVariables(config, 'voicemail')).toEqual([['CHUT_MAILBOX', '200@default'], ['CHUT_DECISION', 'voicemail']]);
    expect(routeVariables(config, 'reject')).toEqual([['CHUT_REJECT_STYLE', 'busy'], ['CHUT_DECISION', 'reject']]);
    expect(routeVariables(config, 'ring')).toEqual([['CHUT_DECISION', 'ring']]);
  });
});
