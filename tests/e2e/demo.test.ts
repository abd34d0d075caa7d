/** End-to-end: `chut demo` as a newcomer runs it — the real CLI, chut's real wiring, a PBX simulator on loopback. */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runChut } from '../helpers/cli.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

interface DemoJson {
  calls: Array<{ at: string; label: string; outcome: { route: string; answered: boolean; heardDigits: string }; record: { rule: string; route: string; captcha: string | null; reasons: string[] } | null }>;
  stats: { total: number; byRoute: Record<string, number>; captcha: Record<string, number> };
}

/** What each scripted call must end as with the shipped policy: [route the PBX took, rule, captcha outcome]. */
const EXPECTED: Record<string, [string, string, string | null]> = {
  'known contact (allowlist)': ['ring', 'allowlist', null],
  'telemarketer, silent autodialer': ['reject', 'telemarketing-legal-hours', 'timeout'],
  'robot blasting DTMF': ['reject', 'telemarketing-legal-hours', 'timeout'],
  'real business on an NPV number': ['ring', 'telemarketing-legal-hours', 'passed'],
  'same business calls again': ['ring', 'trusted', null],
  'withheld number, a person': ['ring', 'withheld', 'passed'],
  'withheld number, hangs up': ['hung-up', 'withheld', 'hung-up'],
  'blocklisted number': ['reject', 'blocklist', null],
  'delivery platform': ['ring', 'platforms', null],
  'burst from one block (1)': ['ring', 'default', null],
  'burst from one block (4)': ['ring', 'default', null],
  'burst from one block (5)': ['reject', 'burst-block', 'timeout'],
  'burst from one block (6)': ['reject', 'burst-block', 'timeout'],
  'unknown mobile, a person': ['ring', 'default', null],
  'garbage caller ID': ['reject', 'invalid', 'timeout'],
  'telemarketer after legal hours': ['voicemail', 'telemarketing-outside-hours', null],
};

async function demo(pbx: string): Promise<DemoJson> {
  const r = await runChut(['demo', '--pbx', pbx, '--json'], {}, { timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DemoJson;
}

function checkRoutes(result: DemoJson): void {
  for (const [label, [route, rule, captcha]] of Object.entries(EXPECTED)) {
    const c = result.calls.find((x) => x.label === label);
    expect(c, label).toBeDefined();
    expect([label, c?.outcome.route, c?.record?.rule, c?.record?.captcha ?? null]).toEqual([label, route, rule, captcha]);
  }
  // only the captcha answers: calls that ring straight through are never answered
  for (const c of result.calls.filter((x) => x.record?.captcha === null && x.outcome.route === 'ring')) expect(c.outcome.answered, c.label).toBe(false);
  // a person heard the digits chut said and typed them
  const passed = result.calls.find((x) => x.label === 'real business on an NPV number');
  expect(passed?.outcome.heardDigits).toMatch(/^\d{4,}$/);
  expect(result.calls.every((c) => c.outcome.route !== 'dead-air')).toBe(true);
}

// each demo runs a simulated day in a child process: the process timeout (120 s), not vitest's default 30 s, is the limit
describe('chut demo (end to end)', { timeout: 130_000 }, () => {
  it('prints each call’s route and reason as a table, then the report', async () => {
    const r = await runChut(['demo'], {}, { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/time \(Paris\)\s+caller\s+name\s+scenario\s+route\s+rule/);
    expect(r.stdout).toMatch(/\+33162000000\s+ENERGIE PARTENAIRE.*reject\s+telemarketing-legal-hours\s+timeout/);
    expect(r.stdout).toMatch(/captcha pass rate/);
    // a long reason is cut at a word, with an ellipsis; the report is dated on the demo's own day
    expect(r.stdout).toMatch(/\+33612345678\s+Maman.* reason "Maman",…\n/);
    const day = /since (\d{4}-\d{2}-\d{2})T2[23]:00:00\.000Z, generated (\d{4}-\d{2}-\d{2})T/.exec(r.stdout); // Paris midnight, winter or summer
    expect(day?.[2]).toBe(new Date(Date.parse(`${day?.[1] ?? ''}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));
    // a time in a reason is in Paris time too, as the table's: the captcha passed at 10:33 trusts for 30 days (to the
    // hour before or after 10:33 when daylight-saving time starts or ends in between)
    const trusted = /same business calls again\s+ring\s+trusted\s+-\s+caller \+33163000002 is trusted until (\d{4}-\d{2}-\d{2}) (09|10|11):33 \(passed a captcha\)\n/.exec(r.stdout);
    expect(trusted?.[1], r.stdout).toBe(new Date(Date.parse(`${day?.[2] ?? ''}T12:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10));
  });

  it('routes every scripted call through the Asterisk ARI simulator as the policy says', async () => {
    const result = await demo('asterisk');
    checkRoutes(result);
    expect(result.stats.total).toBe(result.calls.length);
    expect(result.stats.byRoute.reject).toBe(6);
  });

  it('on Redis, leaves the day for `chut report` as its --help says: the demo day is in the past, within 30 days', async () => {
    const url = await testRedisUrl();
    const prefix = uniquePrefix('demo-e2e');
    try {
      const run = await runChut(['demo', '--redis', url, '--prefix', prefix], {}, { timeoutMs: 120_000 });
      expect(run.code, run.stderr).toBe(0);
      // its keys are a store's like any other, schema key included (docs/redis-schema.md's first example reads it)
      const admin = new Redis(url);
      try {
        expect(await admin.hget(`${prefix}schema`, 'version')).toBe('1');
      } finally {
        admin.disconnect();
      }
      const report = await runChut(['report', '--since', '30d', '--json'], { CHUT_REDIS_URL: url, CHUT_REDIS_PREFIX: prefix });
      expect(report.code, report.stderr).toBe(0);
      expect(JSON.parse(report.stdout).total).toBe(Object.keys(EXPECTED).length + 2); // the table lists 16 of the 18 calls
    } finally {
      await removeKeys(url, prefix);
    }
  });

  it('gives the same routes through the FreeSWITCH Event Socket simulator', async () => {
    checkRoutes(await demo('freeswitch'));
  });

  it('gives the same routes through the Asterisk AMI simulator (dialplan-driven mode)', async () => {
    checkRoutes(await demo('ami'));
  });
});
