import { describe, expect, it } from 'vitest';
import { coreTargets, targetLine } from '../../bench/core-targets.js';

describe('core benchmark targets', () => {
  it('judges each target from its row, and says NOT met for a missed one', () => {
    const t = coreTargets({
      in_progress50: { p99_ms: 2.67 },
      c50: { decisions_per_s: 15_077, round_trips_per_call: 1 },
      c500: { decisions_per_s: 14_582 },
    });
    expect(t.p99_in_progress50).toMatchObject({ measured: 2.67, met: false });
    expect(t.decisions_per_s).toMatchObject({ measured: 15_077, met: true });
    expect(t.round_trips_per_call).toMatchObject({ measured: 1, met: true });
    expect(targetLine(t.p99_in_progress50!)).toBe('  p99 under 1 ms with 50 calls in progress: NOT met (2.67)');
    expect(targetLine(t.decisions_per_s!)).toBe('  over 10,000 decisions a second: met (15077)');
  });

  it('a row that did not run is not met and says so, rather than passing on a missing figure', () => {
    const t = coreTargets({ c50: { decisions_per_s: 9_000, round_trips_per_call: 1.5 } });
    expect(t.p99_in_progress50!.met).toBe(false);
    expect(targetLine(t.p99_in_progress50!)).toMatch(/NOT met \(not measured\)$/);
    expect(t.decisions_per_s!.met).toBe(false);
    expect(t.round_trips_per_call!.met).toBe(false);
  });

  it('judges the decision rate from the rows that ran: one missing row does not hide the other', () => {
    const t = coreTargets({ c50: { decisions_per_s: 15_077, round_trips_per_call: 1 } });
    expect(t.decisions_per_s).toMatchObject({ measured: 15_077, met: true });
    expect(targetLine(t.decisions_per_s!)).toBe('  over 10,000 decisions a second: met (15077)');
    expect(coreTargets({ c500: { decisions_per_s: 14_582 } }).decisions_per_s).toMatchObject({ measured: 14_582, met: true });
    expect(coreTargets({}).decisions_per_s!.measured).toBeNaN();
  });
});
