import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/logger.js';
import { RefusedPeerWarnings } from '../../../src/esl/refused-peers.js';

function recordingLogger(): { logger: Logger; lines: Array<{ peer?: string; msg: string }> } {
  const lines: Array<{ peer?: string; msg: string }> = [];
  const make = (bindings: { peer?: string }): Logger => ({
    warn: (_obj: unknown, msg: string) => { lines.push({ ...bindings, msg }); },
    child: (more: { peer?: string }) => make({ ...bindings, ...more }),
  }) as unknown as Logger;
  return { logger: make({}), lines };
}

describe('RefusedPeerWarnings', () => {
  it('warns of each address at once, naming it and esl.allowFrom, then at most once per interval with the count', () => {
    const { logger, lines } = recordingLogger();
    let t = 1_000_000;
    const warnings = new RefusedPeerWarnings(logger, 300_000, 100, () => t);
    warnings.note('192.0.2.7');
    warnings.note('192.0.2.7');
    warnings.note('::ffff:198.51.100.1');
    t += 299_999; warnings.note('192.0.2.7');
    expect(lines).toEqual([
      { peer: '192.0.2.7', msg: 'ESL connection from 192.0.2.7 refused: that address is not in esl.allowFrom; add it to esl.allowFrom if it is FreeSWITCH (its calls ring unscreened meanwhile)' },
      { peer: '::ffff:198.51.100.1', msg: expect.stringMatching(/^ESL connection from ::ffff:198\.51\.100\.1 refused: /) },
    ]);
    t += 1; warnings.note('192.0.2.7');
    expect(lines.at(-1)).toEqual({ peer: '192.0.2.7', msg: expect.stringMatching(/^ESL connection from 192\.0\.2\.7 refused \(3 times\): /) });
  });

  it('writes a count of 1,000 or more with its digits grouped, for one address and for the shared line', () => {
    const { logger, lines } = recordingLogger();
    let t = 1_000_000;
    const warnings = new RefusedPeerWarnings(logger, 300_000, 1, () => t);
    for (let i = 0; i < 1500; i++) warnings.note('192.0.2.7');
    for (let i = 0; i < 2500; i++) warnings.note(`2001:db8::${i.toString(16)}`);
    t += 300_000;
    warnings.note('192.0.2.7'); // its window is over: said again, with the count since, and its place kept
    warnings.note('2001:db8::ffff');
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^ESL connection from 192\.0\.2\.7 refused: /),
      expect.stringMatching(/^ESL connection refused 1 time from addresses not in esl\.allowFrom/),
      expect.stringMatching(/^ESL connection from 192\.0\.2\.7 refused \(1,500 times\): /),
      expect.stringMatching(/^ESL connection refused 2,500 times from addresses not in esl\.allowFrom/),
    ]);
  });

  it('tracks a bounded number of addresses: a flood from ever new ones shares one throttled line', () => {
    const { logger, lines } = recordingLogger();
    let t = 1_000_000;
    const warnings = new RefusedPeerWarnings(logger, 300_000, 3, () => t);
    for (let i = 0; i < 10_000; i++) warnings.note(`2001:db8::${i.toString(16)}`);
    expect(lines.map((l) => l.peer)).toEqual(['2001:db8::0', '2001:db8::1', '2001:db8::2', undefined]);
    expect(lines[3]?.msg).toMatch(/^ESL connection refused 1 time from addresses not in esl\.allowFrom, too many to name each/);
    // once an address's window is over, its place is free for a new one
    t += 300_000;
    warnings.note('192.0.2.9');
    expect(lines.at(-1)?.peer).toBe('192.0.2.9');
  });
});
