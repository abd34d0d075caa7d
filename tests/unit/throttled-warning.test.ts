import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { throttledWarning } from '../../src/throttled-warning.js';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = { warn: (_obj: unknown, msg: string) => { lines.push(msg); } } as unknown as Logger;
  return { logger, lines };
}

describe('throttledWarning', () => {
  it('warns at once, then at most once per interval, counting the times in between', () => {
    const { logger, lines } = recordingLogger();
    let t = 1_000_000;
    const warn = throttledWarning(logger, 60_000, (n) => `slow ${n}`, () => t);
    warn();
    t += 10_000; warn();
    t += 10_000; warn();
    expect(lines).toEqual(['slow 1']);
    t += 40_000; warn(); // 60 s after the first
    expect(lines).toEqual(['slow 1', 'slow 3']);
    t += 1; warn();
    expect(lines).toEqual(['slow 1', 'slow 3']);
  });

  it('is not silenced by the wall clock stepping back (an NTP correction): it counts time on a monotonic clock', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    try {
      const { logger, lines } = recordingLogger();
      const warn = throttledWarning(logger, 60_000, (n) => `slow ${n}`);
      warn();
      vi.setSystemTime(Date.now() - 3_600_000); // the system clock is set back an hour
      vi.advanceTimersByTime(61_000);
      warn();
      expect(lines).toEqual(['slow 1', 'slow 1']);
    } finally {
      vi.useRealTimers();
    }
  });
});
