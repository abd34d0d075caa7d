/** `chut report --help` names what the text report prints, in the report's own words. */
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../../src/cli/commands/report.js';
import { renderReport } from '../../../src/report/index.js';
import type { Stats } from '../../../src/reputation/types.js';

const NOW = Date.parse('2026-11-28T15:30:00Z');

/** A week: two days with calls. */
const WEEK: Stats = {
  since: NOW - 7 * 86_400_000, total: 4, byAction: { ring: 2, reject: 1, captcha: 1 }, byRoute: { ring: 2, reject: 2 },
  byRule: { default: 2, blocklist: 1, withheld: 1 }, captcha: { passed: 0, failed: 0, 'hung-up': 0, timeout: 1 },
  degraded: 0, shadow: 0, shadowByAction: {}, byHour: { '2026-11-25T08': { ring: 2 }, '2026-11-28T09': { reject: 2 } },
  topCallers: { reject: [{ caller: '+33162000001', calls: 1 }] },
};

describe('chut report --help', () => {
  it('says the report counts by action too, ranks the callers the policy rejects and challenges, and shows days past 48 hours', () => {
    const text = renderReport(WEEK, 'text', { sinceLabel: '7d', now: NOW });
    for (const title of ['By action (what the policy decided)', 'Top callers the policy rejects', 'Top callers the policy challenges', 'Calls by day (UTC)']) {
      expect(text).toContain(title);
    }
    const help = reportCommand.help.replace(/\s+/g, ' ');
    expect(help).toContain('Counts by route, by action and by rule,');
    expect(help).toContain('the top callers the policy rejects and challenges, calls by hour (in text, by day past 48 hours).');
  });
});
