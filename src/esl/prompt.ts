/**
 * Turns PBX-neutral prompt items into FreeSWITCH `playback` arguments: one single-file playback per sound, and one
 * `file_string://` list per run of digits (`digits/4.wav!digits/7.wav…`, one PLAYBACK_START, as `say … iterated`).
 *
 * Sounds are never put in a file_string list: FreeSWITCH's file_string skips a file it cannot open and plays the
 * rest, answering FILE PLAYED when any one file played. A list `instructions!digits` whose instructions are missing
 * would play only the digits and look like success: the caller never heard what to do, typed nothing, and was
 * rejected as a silent robot. A single-file playback of a missing file answers FILE NOT FOUND, which chut checks.
 * The digit files ship with every FreeSWITCH sound set; a set without them fails the whole list (FILE NOT FOUND).
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
  let digits: string[] = [];
  const flushDigits = () => {
    if (digits.length === 1) playbacks.push(digits[0] as string);
    else if (digits.length > 1) playbacks.push(`file_string://${digits.join('!')}`);
    digits = [];
  };
  for (const item of items) {
    if ('sound' in item) {
      flushDigits();
      const file = Object.hasOwn(files.sounds, item.sound) ? files.sounds[item.sound] : `${files.soundPrefix}${item.sound}`;
      playbacks.push(checked(`${file}.wav`, argPattern.sound, 'sound'));
    } else {
      for (const d of checked(item.digits, argPattern.digits, 'digits')) digits.push(`digits/${d}.wav`);
    }
  }
  flushDigits();
  return playbacks;
}
