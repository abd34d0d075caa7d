/**
 * Turns PBX-neutral prompt items into FreeSWITCH `playback` arguments: one single-file playback per sound and per
 * digit, each answering its own CHANNEL_EXECUTE_COMPLETE, which chut checks.
 *
 * Nothing is grouped in a `file_string://` list: FreeSWITCH's file_string skips a file it cannot open and plays the
 * rest, answering FILE PLAYED when any one file played. Instructions missing from a list would leave a caller who
 * never heard what to do, and one digit file missing (a partial sound set) would play "4 7 _ 1": either way a
 * person types a wrong answer and is rejected as a robot. A single-file playback of a missing file answers
 * FILE NOT FOUND, and the screener rings the call instead. The pause between two digits is one ESL round trip.
 */
import type { PromptItem } from '../screening/types.js';
import { argPattern, checked } from './command.js';

/** How prompt names become FreeSWITCH files: `sounds[name]`, else `<soundPrefix><name>` (`.wav` added). */
export interface SoundFiles {
  sounds: Readonly<Record<string, string>>;
  soundPrefix: string;
}

/** The playback arguments of a prompt, in order (empty for an empty prompt). */
export function promptPlaybacks(items: readonly PromptItem[], files: SoundFiles): string[] {
  const playbacks: string[] = [];
  for (const item of items) {
    if ('sound' in item) {
      const file = Object.hasOwn(files.sounds, item.sound) ? files.sounds[item.sound] : `${files.soundPrefix}${item.sound}`;
      playbacks.push(checked(`${file}.wav`, argPattern.sound, 'sound'));
    } else {
      for (const d of checked(item.digits, argPattern.digits, 'digits')) playbacks.push(`digits/${d}.wav`);
    }
  }
  return playbacks;
}
