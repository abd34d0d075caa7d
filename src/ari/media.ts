/**
 * Turns PBX-neutral prompt items into ARI playbacks (lists of media URIs), refusing anything that is not a plain
 * name or digits.
 *
 * Why not one playback with every URI: in a playback of several URIs, Asterisk (res_stasis_playback.c) goes on after
 * one that fails and reports `continuing`; only the LAST URI's result reaches PlaybackFinished. A missing instruction
 * sound followed by the digits would look like a prompt that played. So each sound is its own playback, checked.
 * Why not `digits:4721`: ast_say_digit_str skips a digit whose sound file is missing, in silence, and never fails;
 * a caller whose Asterisk lacks the digit sounds would hear nothing and be judged a robot. The digits are played as
 * `sound:digits/4`, `sound:digits/7`… in one playback: if the digit sounds are missing (Asterisk falls back from the
 * captcha language to its default one, so: missing in both, e.g. an install without the core sounds), the last one
 * fails and the call rings. A single missing digit file other than the last would go unnoticed: the adapter asks
 * Asterisk for the ten digit sounds once per connection (digit-sounds.ts) and a challenge holding one it lacks rings.
 */
import type { PromptItem } from '../screening/types.js';

const SOUND = /^[A-Za-z0-9_/.-]{1,128}$/;
const DIGITS = /^[0-9*#]{1,32}$/;
/** The files ast_say_digit_str plays for `*` and `#`. */
const DIGIT_SOUND: Readonly<Record<string, string>> = { '*': 'star', '#': 'pound' };

/** One playback per sound, one per run of digits; items that fail validation are dropped (and reported). */
export function promptPlaybacks(prompt: readonly PromptItem[]): { playbacks: string[][]; refused: string[] } {
  const playbacks: string[][] = [];
  const refused: string[] = [];
  for (const item of prompt) {
    if ('sound' in item) {
      if (SOUND.test(item.sound) && !item.sound.includes('..')) playbacks.push([`sound:${item.sound}`]);
      else refused.push(`sound:${item.sound.slice(0, 40)}`);
    } else if (DIGITS.test(item.digits)) {
      playbacks.push([...item.digits].map((d) => `sound:digits/${DIGIT_SOUND[d] ?? d}`));
    } else {
      refused.push('digits:(invalid)');
    }
  }
  return { playbacks, refused };
}
