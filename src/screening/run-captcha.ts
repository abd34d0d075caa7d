/** Drives one captcha through a CallControl: answer, say the digits, collect, retry, decide. */
import type { CaptchaOutcome } from '../reputation/types.js';
import type { PromptSet } from '../config.js';
import { isCorrectAnswer } from './captcha.js';
import { CallerHungUpError, type CallControl, type PromptItem } from './types.js';

export interface CaptchaSettings {
  attempts: number;
  length: number;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
  prompts: PromptSet;
  newDigits: () => string;
}

const sounds = (names: readonly string[]): PromptItem[] => names.map((sound) => ({ sound }));

/**
 * The closing words (thanks, goodbye) come after the answer was judged: one that cannot be played changes
 * nothing, or a robot that failed the challenge would be rung through because a goodbye sound is missing.
 * A hang-up still ends the captcha as usual.
 */
async function playClosing(control: CallControl, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  try {
    await control.play(sounds(names));
  } catch (err) {
    if (err instanceof CallerHungUpError || control.signal.aborted) throw err;
  }
}

/**
 * Runs the challenge. Each attempt uses fresh digits (a robot replaying what it heard last time gains
 * nothing). `timeout` only when the caller never typed anything in any attempt: silent autodialers.
 */
export async function runCaptcha(control: CallControl, s: CaptchaSettings): Promise<CaptchaOutcome> {
  try {
    await control.answer();
    let typedAnything = false;
    for (let attempt = 1; attempt <= s.attempts; attempt++) {
      const digits = s.newDigits();
      const prompt = [...(attempt > 1 ? sounds(s.prompts.retry) : []), ...sounds(s.prompts.intro), { digits }];
      const typed = await control.askDigits({
        prompt,
        maxDigits: s.length,
        firstDigitTimeoutMs: s.firstDigitTimeoutMs,
        interDigitTimeoutMs: s.interDigitTimeoutMs,
      });
      if (typed !== '') typedAnything = true;
      if (isCorrectAnswer(digits, typed)) {
        await playClosing(control, s.prompts.thanks);
        return 'passed';
      }
    }
    await playClosing(control, s.prompts.goodbye);
    return typedAnything ? 'failed' : 'timeout';
  } catch (err) {
    if (err instanceof CallerHungUpError || control.signal.aborted) return 'hung-up';
    throw err;
  }
}
