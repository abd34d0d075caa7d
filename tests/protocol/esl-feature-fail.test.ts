/** *77/*78 on FreeSWITCH: a report that could not be made sounds (and logs) unlike "nobody to report". */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { call, startHarness, type Harness } from '../fakes/esl/harness.js';

const lines: Array<Record<string, unknown>> = [];
let h: Harness;
beforeAll(async () => {
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } }));
  h = await startHarness({}, {}, { logger });
});
afterAll(async () => { await h?.close(); });

const BEEP = 'tone_stream://%(200,0,800)';
const BUSY = 'tone_stream://%(500,500,480,620);loops=2'; // nobody to report (a withheld last caller)
const SIT = 'tone_stream://%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)'; // could not be done

const press = (phone: string) => h.sim.placeCall({ callerNumber: phone, callerName: 'Kitchen', dialled: '*77', behaviour: { kind: 'silent' }, maxDurationMs: 5000, fromInternalPhone: true });
const tone = (out: Awaited<ReturnType<typeof press>>) => out.executed.find((e) => e.app === 'playback')?.arg;

describe('ESL: feature code outcomes', () => {
  it('the store failing: a warning with the error, and a tone unlike both success and "nobody to report"', async () => {
    await h.sim.placeCall(call({ dialled: '1000' }));
    const store = h.chut.store as unknown as { lastCallerState: (t: string) => Promise<unknown> };
    const real = store.lastCallerState.bind(store);
    store.lastCallerState = () => Promise.reject(new Error('Connection is closed.'));
    try {
      const out = await press('1000');
      expect(tone(out)).toBe(SIT);
      expect(out.executed.map((e) => e.app)).toEqual(['answer', 'playback', 'hangup']);
      expect(lines.filter((l) => l.level === 40 && /feature code/.test(String(l.msg)))).toEqual([expect.objectContaining({ err: expect.stringContaining('Connection is closed') })]);
    } finally {
      store.lastCallerState = real;
    }
    // Redis back: the same phone's report succeeds, with the success beep
    expect(tone(await press('1000'))).toBe(BEEP);
  });

  it('nobody to report (the last caller withheld its number) keeps the busy tone, logged at info', async () => {
    await h.sim.placeCall(call({ callerNumber: 'anonymous', dialled: '1000' }));
    const before = lines.length;
    expect(tone(await press('1000'))).toBe(BUSY);
    expect(lines.slice(before).filter((l) => l.level === 40)).toEqual([]);
  });
});
