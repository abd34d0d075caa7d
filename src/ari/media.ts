/** Turns PBX-neutral prompt items into ARI media URIs, refusing anything that is not a plain name or digits. */
import type { PromptItem } from '../screening/types.js';

const SOUND = /^[A-Za-z0-9_/.-]{1,128}$/;
const DIGITS = /^[0-9*#]{1,32}$/;

/** `sound:<name>` / `digits:<digits>`; items that fail validation are dropped (and reported). */
export function mediaUris(prompt: readonly PromptItem[]): { media: string[]; refused: string[] } {
  const media: string[] = [];
  const refused: string[] = [];
  for (const item of prompt) {
    if ('sound' in item) {
      if (SOUND.test(item.sound) && !item.sound.includes('..')) media.push(`sound:${item.sound}`);
      else refused.push(`sound:${item.sound.slice(0, 40)}`);
    } else if (DIGITS.test(item.digits)) {
      media.push(`digits:${item.digits}`);
    } else {
      refused.push('digits:(invalid)');
    }
  }
  return { media, refused };
}
