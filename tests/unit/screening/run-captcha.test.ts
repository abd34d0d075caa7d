import { describe, expect, it } from 'vitest';
import { runCaptcha, type CaptchaSettings } from '../../../src/screening/run-captcha.js';
import { CallerHungUpError } from '../../../src/screening/types.js';
import { FakeControl } from '../../helpers/fake-control.js';

function settings(digits: string[] = ['4721', '3958', '6140']): CaptchaSettings {
  let i = 0;
  return {
    attempts: 3, length: 4, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 3000,
    prompts: { intro: ['please-enter-the', 'digits'], retry: ['please-try-again'], thanks: ['thank-you-for-calling'], goodbye: ['goodbye'] },
    newDigits: () => digits[i++ % digits.length] as string,
  };
}

describe('runCaptcha', () => {
  it('answers, says the digits, and passes a caller who types them', async () => {
    const control = new FakeControl(['echo']);
    expect(await runCaptcha(control, settings())).toBe('passed');
    expect(control.actions).toEqual(['answer', 'ask', 'play:thank-you-for-calling']);
    expect(control.asked[0]?.prompt).toEqual([{ sound: 'please-enter-the' }, { sound: 'digits' }, { digits: '4721' }]);
    expect(control.asked[0]?.maxDigits).toBe(4);
  });

  it('a closing prompt that cannot be played changes no outcome (a robot is not rung through for a missing goodbye)', async () => {
    const failed = new FakeControl([{ type: '1111' }, { type: '2222' }, { type: '3333' }]);
    failed.failOn.add('play:goodbye');
    expect(await runCaptcha(failed, settings())).toBe('failed');
    const silent = new FakeControl(['silent', 'silent', 'silent']);
    silent.failOn.add('play:goodbye');
    expect(await runCaptcha(silent, settings())).toBe('timeout');
    const passed = new FakeControl(['echo']);
    passed.failOn.add('play:thank-you-for-calling');
    expect(await runCaptcha(passed, settings())).toBe('passed');
  });

  it('a hang-up during the closing words keeps the verdict already judged', async () => {
    const passed = new FakeControl(['echo']);
    passed.hangUpOn.add('play:thank-you-for-calling');
    expect(await runCaptcha(passed, settings())).toBe('passed');
    const failed = new FakeControl([{ type: '1111' }, { type: '2222' }, { type: '3333' }]);
    failed.hangUpOn.add('play:goodbye');
    expect(await runCaptcha(failed, settings())).toBe('failed');
  });

  it('an instruction prompt that cannot be played still ends the captcha (the caller never heard what to do)', async () => {
    const control = new FakeControl(['echo']);
    control.failOn.add('ask');
    await expect(runCaptcha(control, settings())).rejects.toThrow(/ask failed/);
  });

  it('gives fresh digits and the retry prompt on each new attempt', async () => {
    const control = new FakeControl([{ type: '0000' }, 'echo']);
    expect(await runCaptcha(control, settings())).toBe('passed');
    expect(control.asked[1]?.prompt).toEqual([{ sound: 'please-try-again' }, { sound: 'please-enter-the' }, { sound: 'digits' }, { digits: '3958' }]);
  });

  it('fails a caller who keeps typing wrong digits, after the configured attempts', async () => {
    const control = new FakeControl([{ type: '1111' }, { type: '2222' }, { type: '3333' }]);
    expect(await runCaptcha(control, settings())).toBe('failed');
    expect(control.asked).toHaveLength(3);
    expect(control.actions.at(-1)).toBe('play:goodbye');
  });

  it('a robot replaying the previous challenge fails', async () => {
    const control = new FakeControl([{ type: '0000' }, { type: '4721' }, { type: '3958' }]);
    expect(await runCaptcha(control, settings())).toBe('failed');
  });

  it('reports timeout when nothing at all was typed (silent autodialer)', async () => {
    const control = new FakeControl(['silent', 'silent', 'silent']);
    expect(await runCaptcha(control, settings())).toBe('timeout');
  });

  it('reports hung-up when the caller leaves during the challenge', async () => {
    const control = new FakeControl([{ type: '9' }, 'hangup']);
    expect(await runCaptcha(control, settings())).toBe('hung-up');
  });

  it('reports hung-up when the caller leaves at the first prompt: the challenge had started (the call was answered)', async () => {
    const control = new FakeControl(['hangup']);
    expect(await runCaptcha(control, settings())).toBe('hung-up');
    expect(control.actions).toEqual(['answer', 'ask']);
  });

  it('judges no one who left before the challenge started: a hang-up as chut answers, or before, is thrown, not hung-up', async () => {
    const answering = new FakeControl(['echo']);
    answering.hangUpOn.add('answer');
    await expect(runCaptcha(answering, settings())).rejects.toBeInstanceOf(CallerHungUpError);
    expect(answering.asked).toEqual([]);
    const gone = new FakeControl(['echo']);
    gone.hangUp();
    await expect(runCaptcha(gone, settings())).rejects.toBeInstanceOf(CallerHungUpError);
    expect(gone.actions).toEqual([]);
  });

  it('propagates PBX failures that are not hang-ups (the service then fails open)', async () => {
    const control = new FakeControl(['echo']);
    control.failOn.add('answer');
    await expect(runCaptcha(control, settings())).rejects.toThrow(/answer failed/);
  });
});
