/**
 * ARI's throttled warnings (a channel id chut cannot use, a STIR/SHAKEN result that came too late): the first at once,
 * then at most one line every 10 minutes with how many calls since, that count written as the README writes counts
 * (`1,500 calls`). The `times` log field stays a number.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../src/logger.js';
import { refusedChannelWarning } from '../../../src/ari/refused-channel.js';
import { stirShakenLateWarning } from '../../../src/ari/stir-shaken-late.js';

function recordingLogger(): { logger: Logger; lines: Array<{ times: number; msg: string }> } {
  const lines: Array<{ times: number; msg: string }> = [];
  const logger = { warn: (obj: { times: number }, msg: string) => { lines.push({ times: obj.times, msg }); } } as unknown as Logger;
  return { logger, lines };
}

beforeEach(() => { vi.useFakeTimers({ toFake: ['performance'] }); });
afterEach(() => { vi.useRealTimers(); });

/** Calls `warn` once, `more` times within the 10 minutes, then once after them. */
function burst(warn: () => void, more: number): void {
  warn();
  for (let i = 0; i < more; i++) warn();
  vi.advanceTimersByTime(10 * 60_000);
  warn();
}

describe('ARI throttled warnings: counts of 1,000 or more with their digits grouped', () => {
  it('a channel id chut cannot use: "1,500 such calls since chut started or last warned of it"', () => {
    const { logger, lines } = recordingLogger();
    const refused = refusedChannelWarning(logger);
    burst(() => refused('a/b', 'stasis-start'), 1499);
    expect(lines.map((l) => l.times)).toEqual([1, 1500]);
    expect(lines[0]?.msg).toMatch(/; 1 such call since chut started or last warned of it$/);
    expect(lines[1]?.msg).toMatch(/; 1,500 such calls since chut started or last warned of it$/);
  });

  it('a STIR/SHAKEN result later than ari.stirShakenReadMs: "for 1,500 calls … those calls were screened without it"', () => {
    const { logger, lines } = recordingLogger();
    burst(stirShakenLateWarning(logger, 1500), 1499);
    expect(lines.map((l) => l.times)).toEqual([1, 1500]);
    expect(lines[0]?.msg).toMatch(/^ARI: Asterisk's STIR\/SHAKEN result did not come within ari\.stirShakenReadMs \(1500 ms\) for 1 call since chut started or last warned of it: that call was screened without it/);
    expect(lines[1]?.msg).toMatch(/ for 1,500 calls since chut started or last warned of it: those calls were screened without it, so a failed verification could ring\. /);
  });
});
