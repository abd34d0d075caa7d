/**
 * The bound on a hung chut during a captcha, shared by the PBX adapters: when chut answers for a captcha it replaces
 * the dial plan's short bound with one as long as the longest captcha its configuration allows (Asterisk:
 * `TIMEOUT(absolute)`, see dialplan/asterisk/chut-ari.conf; FreeSWITCH: a re-armed `sched_transfer`, see
 * src/esl/bound.ts), so a chut that hangs in the middle of a captcha still lets the answered call ring.
 */
import type { Config } from '../config.js';

/** What one prompt may take in the bound (real prompts last a few seconds). */
const PROMPT_ALLOWANCE_MS = 20_000;
/** Room after the last prompt: the route that follows, and the PBX's own clock (FreeSWITCH's scheduler counts whole
 * seconds). */
const LEAVE_MARGIN_MS = 20_000;

/**
 * The bound in whole seconds: each attempt (its prompt, the first-digit wait, the inter-digit waits), the closing
 * prompt and a margin. `promptCapMs`: how long the adapter itself waits for a prompt at most, counted instead of the
 * allowance when it is shorter (ARI's playback timeout). If the bound passes anyway (much longer custom prompts),
 * the call rings: the safe direction.
 */
export function captchaBoundS(captcha: Pick<Config['captcha'], 'attempts' | 'length' | 'firstDigitTimeoutMs' | 'interDigitTimeoutMs'>,
  promptCapMs = Number.POSITIVE_INFINITY): number {
  const prompt = Math.min(PROMPT_ALLOWANCE_MS, promptCapMs);
  const attempt = prompt + captcha.firstDigitTimeoutMs + (captcha.length - 1) * captcha.interDigitTimeoutMs;
  return Math.ceil((captcha.attempts * attempt + prompt + LEAVE_MARGIN_MS) / 1000);
}
