/** Long work in slices: the event loop gets a turn whenever a slice has used its budget. */
import { describe, expect, it } from 'vitest';
import { runCooperatively, slicer } from '../../src/cooperative.js';
import { importSteps, parseImport } from '../../src/reputation/index.js';

/** A clock that advances `stepMs` each time it is read, and a pause that counts its calls. */
function fakeTime(stepMs: number) {
  let t = 0;
  const pauses: number[] = [];
  return { now: () => (t += stepMs), pause: async () => { pauses.push(t); }, pauses };
}

describe('runCooperatively', () => {
  it('pauses whenever a slice reached its budget, and returns the generator\'s result', async () => {
    function* work(): Generator<void, string, undefined> {
      for (let i = 0; i < 10; i++) yield;
      return 'done';
    }
    const time = fakeTime(3); // each step "takes" 3 ms: a pause every third read or so with an 8 ms budget
    expect(await runCooperatively(work(), { budgetMs: 8, now: time.now, pause: time.pause })).toBe('done');
    expect(time.pauses.length).toBeGreaterThanOrEqual(3);
    const fast = fakeTime(0);
    await runCooperatively(work(), { budgetMs: 8, now: fast.now, pause: fast.pause });
    expect(fast.pauses).toEqual([]); // work that never uses its budget never waits
  });

  it('pauses in a long run of blank lines before the first row too', () => {
    const steps = importSteps(`${'\n'.repeat(2000)}0612345678,x\n`, { format: 'auto', list: 'block', defaultCountry: 'FR', now: 0 });
    let pauses = 0;
    for (let s = steps.next(); !s.done; s = steps.next()) pauses++;
    expect(pauses).toBe(125); // 2,000 blank lines: one step every 16
  });

  it('parses an import in slices with the same result as parseImport', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `01620${String(10000 + i).padStart(5, '0')},robot ${i % 7}`);
    const text = `number,reason\n${lines.join('\n')}\n`;
    const opts = { format: 'csv' as const, list: 'block' as const, defaultCountry: 'FR', now: Date.UTC(2026, 10, 29) };
    const time = fakeTime(1);
    const sliced = await runCooperatively(importSteps(text, opts), { budgetMs: 2, now: time.now, pause: time.pause });
    expect(sliced).toEqual(parseImport(text, opts));
    expect(sliced.records).toHaveLength(5000);
    expect(time.pauses.length).toBeGreaterThanOrEqual(100); // 5,000 rows: 312 steps of 16, each "taking" 1 ms against a 2 ms budget
  });
});

describe('slicer', () => {
  it('reads the clock every 16 iterations and is due once the budget is spent', async () => {
    let t = 0;
    let pauses = 0;
    const slice = slicer({ budgetMs: 20, now: () => t, pause: async () => { pauses++; } });
    const dueAt: number[] = [];
    for (let i = 1; i <= 160; i++) {
      t = i; // each iteration "takes" 1 ms
      if (slice.due()) { dueAt.push(i); await slice.pause(); }
    }
    expect(dueAt).toEqual([32, 64, 96, 128, 160]); // checked at 16, 32, …; due when 20 ms have passed since the last pause
    expect(pauses).toBe(5);
  });
});

describe('an import of national prefixes in the French shared plan', () => {
  it('offers a pause every 16 rows: each such prefix takes milliseconds to resolve, and calls wait meanwhile', () => {
    const text = `number,reason\n${Array.from({ length: 160 }, (_, i) => `0${String(1620 + i)}*,range`).join('\n')}\n`;
    const steps = importSteps(text, { format: 'csv', list: 'block', defaultCountry: 'FR', now: 0 });
    let chances = 0;
    for (let s = steps.next(); !s.done; s = steps.next()) chances++;
    expect(chances).toBe(10);
  });
});
