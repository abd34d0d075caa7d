/** `chut report --since` that cannot be a report's start: said for what it is, before Redis is touched (store memory). */
import { describe, expect, it, vi } from 'vitest';
import { runChut } from '../helpers/cli.js';

// Each test here runs the built CLI as a child process: Node start-up alone is a second or more per run on a loaded
// 2-vCPU CI box (cli-report-since's one run took 2.9 s there), and a test runs up to ten. The 30 s default was within
// reach; a real hang still fails, two minutes in.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe('chut report --since in the future', () => {
  it('says the date is in the future and gives the machine\'s time, not "use an ISO date" about an ISO date (exit 2)', async () => {
    const before = Date.now();
    const r = await runChut(['report', '--since', '2030-01-01'], { CHUT_STORE: 'memory' });
    expect([r.code, r.stdout]).toEqual([2, '']);
    const m = /^chut report: --since "2030-01-01" is in the future: it is (\S+) on this machine \(UTC\)\. Give a past date or time, or a duration like 24h, 7d, 30d\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(m![1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(m![1]!)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(m![1]!)).toBeLessThanOrEqual(Date.now());
    // an ISO time later today (in UTC) too
    const later = new Date(Date.now() + 2 * 3_600_000).toISOString().slice(0, 16);
    expect((await runChut(['report', '--since', later], { CHUT_STORE: 'memory' })).stderr).toContain(`--since "${later}" is in the future`);
    // what is not a date at all keeps its own message
    expect((await runChut(['report', '--since', 'yesterday-ish'], { CHUT_STORE: 'memory' })).stderr).toBe(
      'chut report: --since "yesterday-ish": use a duration like 24h, 7d, 30d or an ISO date\n');
  });
});
