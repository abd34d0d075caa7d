/**
 * The captcha challenge, PBX-neutral and pure: digits from a CSPRNG that are easy to hear (no digit repeated
 * back to back, no straight runs like 1234), and answer checking.
 */
import { randomInt } from 'node:crypto';

/** Source of uniform random integers in [0, max): injectable for tests; defaults to node's CSPRNG. */
export type RandomInt = (max: number) => number;

const cryptoRandomInt: RandomInt = (max) => randomInt(max);

/** True when the digits would be hard to hear or trivially guessed: repeats (`44`), or a straight run (`1234`, `9876`). */
export function isWeakChallenge(digits: string): boolean {
  for (let i = 1; i < digits.length; i++) {
    if (digits[i] === digits[i - 1]) return true;
  }
  if (digits.length < 3) return false;
  const steps = new Set<number>();
  for (let i = 1; i < digits.length; i++) steps.add(Number(digits[i]) - Number(digits[i - 1]));
  return steps.size === 1 && (steps.has(1) || steps.has(-1));
}

/** A fresh challenge of `length` digits. Rejection sampling keeps the draw uniform over strong challenges. */
export function newChallenge(length: number, random: RandomInt = cryptoRandomInt): string {
  if (!Number.isInteger(length) || length < 3 || length > 12) throw new RangeError(`captcha length ${length} out of 3..12`);
  for (;;) {
    let digits = '';
    for (let i = 0; i < length; i++) digits += String(random(10));
    if (!isWeakChallenge(digits)) return digits;
  }
}

/** Compares what the caller typed (may include a trailing `#`) with the challenge. */
export function isCorrectAnswer(challenge: string, typed: string): boolean {
  const answer = typed.endsWith('#') ? typed.slice(0, -1) : typed;
  return answer.length === challenge.length && answer === challenge;
}
