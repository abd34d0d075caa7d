/**
 * The warning for calls the ESL listener turns away unscreened (the most at once being screened, or chut stopping): at
 * once, then at most once a minute with how many, counts written as the README writes them (`2,000 calls`).
 */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/logger.js';
import { UnscreenedCallWarnings } from '../../../src/esl/unscreened-warnings.js';

function recordingLogger(): { logger: Logger; lines: Array<{ times: number; msg: string }> } {
  const lines: Array<{ times: number; msg: string }> = [];
  const logger = { warn: (obj: { times: number }, msg: string) => { lines.push({ times: obj.times, msg }); } } as unknown as Logger;
  return { logger, lines };
}

describe('UnscreenedCallWarnings', () => {
  it('says the first call at once, then how many since, every count with its digits grouped; the log field stays a number', () => {
    const { logger, lines } = recordingLogger();
    let t = 1_000_000;
    const warnings = new UnscreenedCallWarnings(logger, 2000, 60_000, () => t);
    for (let i = 0; i < 1501; i++) warnings.turnedAway('max-calls');
    t += 60_000;
    warnings.turnedAway('max-calls');
    expect(lines).toEqual([
      { times: 1, msg: 'ESL: 1 call not screened since chut started or last warned of it (2,000 calls being screened, the most at once): '
        + 'each got connect and a close, so it rang unscreened and is not recorded' },
      { times: 1501, msg: expect.stringMatching(/^ESL: 1,501 calls not screened since chut started or last warned of it \(2,000 calls being screened, /) },
    ]);
  });

  it('counts each reason apart: a call turned away as chut stops is its own line', () => {
    const { logger, lines } = recordingLogger();
    const warnings = new UnscreenedCallWarnings(logger, 1, 60_000, () => 0);
    warnings.turnedAway('max-calls');
    warnings.turnedAway('stopping');
    warnings.turnedAway('stopping');
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^ESL: 1 call not screened .*\(1 call being screened, the most at once\)/),
      expect.stringMatching(/^ESL: 1 call not screened .*\(chut stopping\)/),
    ]);
  });
});
