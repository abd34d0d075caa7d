/** chut-ami.conf's h extension tells chut, through the Hangup event's Exten, where a captcha call ended. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const lines = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8').split('\n')
  .map((l) => l.replace(/(^|\s);.*$/, '').trim()).filter(Boolean);
const extension = (name: string) => {
  const start = lines.indexOf(lines.find((l) => l.startsWith(`exten => ${name},1,`)) ?? '');
  expect(start, name).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('same => '));
  return lines.slice(start, end);
};

it('h: a hang-up during the challenge goes to captcha-hangup, one before the IVR answered to captcha-unanswered', () => {
  expect(extension('h')).toEqual([
    'exten => h,1,GotoIf($["${CHUT_CAPTCHA_STATE}" = "running"]?captcha-hangup,1)',
    'same => n,GotoIf($["${CHUT_DECISION}" = "captcha" & "${CHUT_CAPTCHA_STATE}" = ""]?captcha-unanswered,1)',
    'same => n,NoOp(chut: call ended)',
  ]);
  expect(extension('captcha-hangup')[0]).toBe('exten => captcha-hangup,1,UserEvent(ChutCaptcha,ChutCallId: ${UNIQUEID},ChutOutcome: hung-up)');
  // no report: only the Hangup event's Exten says it, and chut records it with no outcome
  expect(extension('captcha-unanswered').join('\n')).not.toContain('UserEvent');
});

it('CHUT_CAPTCHA_STATE becomes running right after the IVR answers, and done before any outcome is reported', () => {
  const captcha = extension('captcha');
  const answer = captcha.indexOf('same => n,Answer()');
  expect(captcha[answer + 1]).toBe('same => n,Set(CHUT_CAPTCHA_STATE=running)');
  for (const outcome of ['passed', 'failed', 'timeout', 'prompt-failed']) {
    expect(extension(outcome)[0]).toBe(`exten => ${outcome},1,Set(CHUT_CAPTCHA_STATE=done)`);
  }
});
