/** Drives one captcha through a CallControl: answer, say the digits, collect, retry, decide. */
import type { CaptchaOutcome } from '../reputation/types.js';
import type { PromptSet } from '../config.js';
import { isCorrectAnswer } from './captcha.js';
import { callerLeft, type CallControl, type PromptItem } from './types.js';

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
 * The closing words (thanks, goodbye) come after the answer was judged, and change nothing: not a sound that cannot
 * be played (a robot that failed would be rung through because a goodbye is missing), nor a hang-up (a robot would
 * escape its failure by hanging up at the goodbye, a person who passed would lose their trust).
 */
async function judged(control: CallControl, names: readonly string[], verdict: CaptchaOutcome): Promise<CaptchaOutcome> {
  if (names.length > 0) await control.play(sounds(names)).catch(() => undefined);
  return verdict;
}

/**
 * Runs the challenge. Each attempt uses fresh digits (a robot replaying what it heard last time gains
 * nothing). `timeout` only when the caller never typed anything in any attempt: silent autodialers.
 * `hung-up` only once the challenge started (the call was answered): a caller who hangs up before, or while it is
 * answered, heard nothing to be judged on. That hang-up is thrown, as a prompt that cannot be played is, and the
 * call is recorded with no captcha outcome.
 */
export async function runCaptcha(control: CallControl, s: CaptchaSettings): Promise<CaptchaOutcome> {
  await control.answer();
  try {
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
      if (isCorrectAnswer(digits, typed)) return judged(control, s.prompts.thanks, 'passed');
    }
    return judged(control, s.prompts.goodbye, typedAnything ? 'failed' : 'timeout');
  } catch (err) {
    if (callerLeft(err, control)) return 'hung-up';
    throw err;
  }
}
