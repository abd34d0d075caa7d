/**
 * List reasons lose the Unicode bidi controls that would make them display as something else: a reason reading
 * `robocall \u202E8765432160+ sllac\u202C` shows as `robocall calls +0612345678`. cleanReason (imports, stored
 * records) and cleanText (reasons sent to the API) strip them, as src/phone/sanitize.ts does for caller names.
 */
import { describe, expect, it } from 'vitest';
import { cleanText } from '../../../src/http/params.js';
import { cleanReason } from '../../../src/reputation/records.js';

const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
const SPOOF = 'robocall \u202e8765432160+ sllac\u202c';

describe.each([
  ['cleanReason', cleanReason],
  ['cleanText', cleanText],
])('%s', (_name, clean) => {
  it('removes bidi embeddings, overrides, isolates and marks', () => {
    expect(clean(SPOOF)).toBe('robocall 8765432160+ sllac');
    for (const c of BIDI) expect(clean(`sales${c} calls`)).toBe('sales calls');
    expect(clean(`\u2068${BIDI.join('')}\u2069`)).toBeNull();
  });

  it('keeps right-to-left text itself, accents and emoji', () => {
    expect(clean('محمد spam عبدالله')).toBe('محمد spam عبدالله');
    expect(clean('démarchage 📞')).toBe('démarchage 📞');
  });
});
