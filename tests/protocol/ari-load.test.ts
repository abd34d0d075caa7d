/** 1,000 calls through chut and the fake Asterisk: every one rings, and nothing is left behind. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

let h: AriHarness;
beforeAll(async () => {
  h = await startAriHarness({ label: 'ari-load', sim: { timing: { lingerMs: 5 } }, config: { log: { level: 'info' } } });
});
afterAll(async () => { await h.stop(); });

it('leaves no call state after 1,000 calls (live-calls map and PBX channels both empty)', async () => {
  const routes = new Map<string, number>();
  let answered = 0;
  let next = 0;
  const worker = async () => {
    while (next < 1000) {
      const i = next++;
      const out = await h.sim.placeCall({ callerNumber: `+3361300${String(i).padStart(4, '0')}`, callerName: `Caller ${i}`, dialled: '0100000000', behaviour: { kind: 'silent' } });
      routes.set(out.route, (routes.get(out.route) ?? 0) + 1);
      if (out.answered) answered++;
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  expect(Object.fromEntries(routes)).toEqual({ ring: 1000 });
  expect(answered).toBe(0);
  await eventually(() => h.adapter.liveCalls() === 0, 10_000, 'the live-calls map to empty');
  await eventually(() => h.sim.channelCount() === 0, 10_000, 'the channels to be gone');
  expect(h.adapter.status().state).toBe('ready');
}, 120_000);
