/**
 * Turns PBX-neutral prompt items into one FreeSWITCH playback argument: a `file_string://` list, so the whole
 * prompt (sounds, then each digit's file) is one `playback` and one PLAYBACK_START, as `say … iterated` does.
 */
import type { PromptItem } from '../screening/types.js';
import { argPattern, checked } from './command.js';

export function promptPaths(items: readonly PromptItem[], soundPrefix: string): string[] {
  const paths: string[] = [];
  for (const item of items) {
    if ('sound' in item) {
      paths.push(checked(`${soundPrefix}${item.sound}.wav`, argPattern.sound, 'sound'));
    } else {
      for (const d of checked(item.digits, argPattern.digits, 'digits')) paths.push(`digits/${d}.wav`);
    }
  }
  return paths;
}

/** The playback argument, or null for an empty prompt. */
export function playbackArg(items: readonly PromptItem[], soundPrefix: string): string | null {
  const paths = promptPaths(items, soundPrefix);
  if (paths.length === 0) return null;
  return paths.length === 1 ? (paths[0] as string) : `file_string://${paths.join('!')}`;
}
