/**
 * The digit sounds a captcha speaks, checked with Asterisk once per connection. In one playback of several sounds
 * Asterisk skips a missing file in silence (only the last one's failure is reported: media.ts), so a caller whose
 * challenge holds a digit Asterisk lacks would hear three digits of four and be judged a robot. Such a challenge
 * rings instead (fail-open). `GET /sounds/{id}` (res/ari/resource_sounds.c) answers 404 "Sound not found" only
 * when Asterisk's sound index holds the file in no language at all; any other answer counts as present. The index
 * reads each top folder of sounds/ as a language, so sounds installed without one (an old flat layout) are all "not
 * found" although Playback plays them: the adapter does not trust an answer that lists all ten missing.
 */
import { AriHttpError, type AriRest } from './rest.js';

export const DIGIT_SOUNDS = Array.from({ length: 10 }, (_, d) => `digits/${d}`);

/** The digit sounds Asterisk says it does not have. */
export async function missingDigitSounds(rest: AriRest): Promise<string[]> {
  const answers = await Promise.all(DIGIT_SOUNDS.map(async (id) => {
    try {
      await rest.request('GET', `/sounds/${encodeURIComponent(id)}`);
      return null;
    } catch (err) {
      return err instanceof AriHttpError && err.status === 404 && /sound not found/i.test(err.reason) ? id : null;
    }
  }));
  return answers.filter((id): id is string => id !== null);
}
