import { describe, it, expect } from 'vitest';
import { renderReport } from '../../../src/report/index.js';
import { summarise } from '../../../src/report/summary.js';
import type { Stats } from '../../../src/reputation/types.js';

const NOW = Date.parse('2026-11-28T15:30:00Z');
const SINCE = Date.parse('2026-11-27T15:00:00Z');

function emptyStats(): Stats {
  return {
    since: SINCE, total: 0, byAction: {}, byRoute: {}, byRule: {},
    captcha: { passed: 0, failed: 0, 'hung-up': 0, timeout: 0 }, degraded: 0, shadow: 0, shadowByAction: {}, byHour: {}, topCallers: {},
  };
}

function sampleStats(): Stats {
  return {
    since: SINCE,
    total: 10,
    byAction: { ring: 4, captcha: 4, reject: 2 },
    byRoute: { ring: 6, voicemail: 1, reject: 3 },
    byRule: { default: 4, 'fr-npv': 2, 'captcha-unknown': 4 },
    captcha: { passed: 3, failed: 1, 'hung-up': 0, timeout: 0 },
    degraded: 1,
    shadow: 2,
    shadowByAction: { reject: 2 },
    byHour: { '2026-11-28T09': { ring: 2, reject: 1 }, '2026-11-28T14': { ring: 4, voicemail: 1, reject: 2 } },
    topCallers: { reject: [{ caller: '+33162000001', calls: 2 }, { caller: '+33162000002', calls: 1 }], captcha: [{ caller: '+33612345678', calls: 4 }] },
  };
}

const HOSTILE = '<script>alert("x")</script>&\'';

function hostileStats(): Stats {
  const s = sampleStats();
  s.byRule = { [HOSTILE]: 3, '=cmd|"/c calc"!A1': 1 };
  s.topCallers = { reject: [{ caller: HOSTILE, calls: 5 }] };
  return s;
}

const opts = { sinceLabel: '24h', now: NOW };

describe('renderReport text', () => {
  it('shows totals, route shares, pass rate and an aligned table', () => {
    const out = renderReport(sampleStats(), 'text', opts);
    expect(out).toContain('last 24h');
    expect(out).toMatch(/captcha pass rate\s+75\.0% \(4 captchas\)/);
    expect(out).toMatch(/degraded \(fail-open\)\s+1/);
    expect(out).toMatch(/reject\s+3\s+30\.0%/);
    expect(out).toMatch(/\+33162000001\s+2/);
    expect(out).toContain('2026-11-28 14h');
    // Columns line up: every row of the route table has its count ending at the same column.
    const routeLines = out.split('\n').filter((l) => /^\s+(ring|voicemail|reject)\s+\d+\s+[\d.]+%$/.test(l)).slice(0, 3);
    expect(routeLines).toHaveLength(3);
    expect(new Set(routeLines.map((l) => l.length)).size).toBe(1);
  });

  it('says a count of one in the singular: 1 captcha, 2 captchas', () => {
    const one = { ...sampleStats(), captcha: { passed: 1, failed: 0, 'hung-up': 0, timeout: 0 } };
    expect(renderReport(one, 'text', opts)).toMatch(/captcha pass rate\s+100\.0% \(1 captcha\)\n/);
    const none = renderReport(emptyStats(), 'text', opts);
    expect(none).toMatch(/captcha pass rate\s+n\/a \(0 captchas\)\n/);
  });

  it('names the period: a duration reads "last …", any other label as given', () => {
    expect(renderReport(sampleStats(), 'text', { sinceLabel: 'the demo day', now: NOW })).toMatch(/^chut report: the demo day \(since/);
    expect(renderReport(sampleStats(), 'html', { sinceLabel: '7d', now: NOW })).toContain('<h1>chut report: last 7d</h1>');
  });

  it('a period longer than 31 days charts its latest 31 days hour by hour, up to now, with no gap', () => {
    const s = sampleStats();
    s.since = NOW - 60 * 86_400_000;
    s.byHour['2026-10-01T08'] = { ring: 7 }; // before the latest 31 days: in the totals, not in the hourly rows
    const hours = summarise(s, { sinceLabel: '60d', now: NOW }).hours.map((r) => r.hour);
    expect(hours).toHaveLength(31 * 24 + 1);
    expect(hours.at(-1)).toBe(new Date(NOW).toISOString().slice(0, 13));
    for (let i = 1; i < hours.length; i++) {
      expect(Date.parse(`${hours[i] as string}:00:00Z`) - Date.parse(`${hours[i - 1] as string}:00:00Z`)).toBe(3_600_000);
    }
    expect(hours).toContain('2026-11-28T14');
    // the tables and charts say they leave out the start of the period (its totals do not)
    expect(renderReport(s, 'text', { sinceLabel: '60d', now: NOW })).toContain('Calls by day (UTC, the latest 31 days only)');
    expect(renderReport(s, 'html', { sinceLabel: '60d', now: NOW })).toContain('Calls by hour (the latest 31 days only)');
    const week = sampleStats();
    week.since = NOW - 7 * 86_400_000;
    expect(renderReport(week, 'text', { sinceLabel: '7d', now: NOW })).not.toContain('latest 31 days');
  });

  it('says which whole UTC days the top callers cover (the day sets: from the period\'s first day, 40 days at most)', () => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const s = sampleStats();
    s.since = NOW - 24 * 3_600_000;
    expect(renderReport(s, 'text', { sinceLabel: '24h', now: NOW })).toContain(`Top callers the policy rejects (whole UTC days from ${day(s.since)})`);
    s.since = NOW - 60 * 86_400_000;
    expect(summarise(s, { sinceLabel: '60d', now: NOW }).topSince).toBe(day(NOW - 39 * 86_400_000));
  });

  it('shows one line per day past 48 hours', () => {
    const s = sampleStats();
    s.since = NOW - 7 * 86_400_000;
    s.byHour['2026-11-25T08'] = { ring: 5 };
    const out = renderReport(s, 'text', { sinceLabel: '7d', now: NOW });
    expect(out).toContain('Calls by day (UTC)');
    expect(out).toMatch(/^\s+2026-11-25\s+5\s+0\s+0\s+5\s+#+$/m);
    expect(out).toMatch(/^\s+2026-11-28\s+6\s+1\s+3\s+10\s+#{20}$/m);
  });

  it('strips control characters so a caller cannot send terminal escapes', () => {
    const s = sampleStats();
    s.topCallers = { reject: [{ caller: '\u001b[2J+331\u202e', calls: 1 }] };
    const out = renderReport(s, 'text', opts);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u202e'); // nor a bidi override that would reorder what the table shows
    expect(out).toContain('[2J+331');
  });

  it('shows both sides of shadow mode: each action\'s decisions, and how many of them were in shadow mode and rang', () => {
    // a period that ran in shadow mode, then enforced: 2 of the 4 rejections were shadow decisions (the calls rang)
    const s = { ...sampleStats(), byAction: { ring: 4, captcha: 2, reject: 4 }, shadow: 3, shadowByAction: { reject: 2, captcha: 1 } };
    const out = renderReport(s, 'text', opts);
    expect(out).toMatch(/By action \(what the policy decided\)\n\s+calls\s+share\s+shadow \(rang\)\n/);
    expect(out).toMatch(/^\s+ring\s+4\s+40\.0%\s+0$/m);
    expect(out).toMatch(/^\s+captcha\s+2\s+20\.0%\s+1$/m);
    expect(out).toMatch(/^\s+reject\s+4\s+40\.0%\s+2$/m);
    expect(renderReport(s, 'csv', opts).split('\r\n')).toEqual(expect.arrayContaining(['shadow_action,captcha,,1', 'shadow_action,reject,,2']));
    expect(renderReport(s, 'html', opts)).toContain('<th class="n">shadow (rang)</th>');
    // shadow decisions recorded before the breakdown existed are said, not lost
    expect(renderReport({ ...s, shadowByAction: { reject: 2 } }, 'text', opts)).toContain('and 1 shadow decision an older chut recorded without their action');
    expect(renderReport({ ...s, shadowByAction: { reject: 1 } }, 'text', opts)).toContain('and 2 shadow decisions an older chut recorded without their action');
    // no shadow decision: the table has no such column
    expect(renderReport({ ...s, shadow: 0, shadowByAction: {} }, 'text', opts)).not.toContain('shadow (rang)');
  });

  it('says n/a and (none) for empty stats', () => {
    const out = renderReport(emptyStats(), 'text', opts);
    expect(out).toMatch(/captcha pass rate\s+n\/a/);
    expect(out).toContain('(none)');
    expect(out).toMatch(/calls\s+0/);
  });
});

describe('renderReport json', () => {
  it('is parseable and carries the derived figures', () => {
    const j = JSON.parse(renderReport(sampleStats(), 'json', opts));
    expect(j.total).toBe(10);
    expect(j.captcha.passRate).toBeCloseTo(0.75);
    expect(j.byRoute.map((r: { key: string }) => r.key)).toEqual(['ring', 'voicemail', 'reject']);
    expect(j.topBlocked[0]).toEqual({ caller: '+33162000001', calls: 2 });
    // 24h from 15:00 yesterday to 15:30 today: 25 hourly buckets, gaps included.
    expect(j.hours).toHaveLength(25);
    expect(j.hours.find((h: { hour: string }) => h.hour === '2026-11-28T14').total).toBe(7);
  });

  it('has a null pass rate and zero totals for empty stats', () => {
    const j = JSON.parse(renderReport(emptyStats(), 'json', opts));
    expect(j.captcha.passRate).toBeNull();
    expect(j.total).toBe(0);
    expect(j.topBlocked).toEqual([]);
  });
});

describe('renderReport csv', () => {
  it('writes one pivotable table with every section', () => {
    const lines = renderReport(sampleStats(), 'csv', opts).trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,key,detail,value');
    expect(lines).toContain('summary,calls,,10');
    expect(lines).toContain('summary,captcha_pass_rate,,0.7500');
    expect(lines).toContain('route,reject,,3');
    expect(lines).toContain('rule,fr-npv,,2');
    expect(lines).toContain('top_blocked,+33162000001,,2');
    expect(lines).toContain('hour,2026-11-28T14,voicemail,1');
  });

  it('says where its hour rows and top callers start: a period over 31 days has hour rows for its latest 31 only', () => {
    const s = sampleStats();
    s.since = NOW - 60 * 86_400_000;
    s.byHour['2026-10-01T08'] = { ring: 7 }; // in the period, before the latest 31 days
    const lines = renderReport(s, 'csv', { sinceLabel: '60d', now: NOW }).trimEnd().split('\r\n');
    expect(lines).not.toContain('hour,2026-10-01T08,ring,7');
    expect(lines).toContain(`report,hours_from,,${new Date(NOW - 31 * 86_400_000).toISOString().slice(0, 13)}`);
    expect(lines).toContain(`report,top_callers_from,,${new Date(NOW - 39 * 86_400_000).toISOString().slice(0, 10)}`);
    const day = renderReport(sampleStats(), 'csv', opts).split('\r\n');
    expect(day).toContain('report,hours_from,,2026-11-27T15');
    expect(day).toContain('report,top_callers_from,,2026-11-27');
  });

  it('quotes fields and defuses spreadsheet formulas', () => {
    const out = renderReport(hostileStats(), 'csv', opts);
    expect(out).toContain(`rule,"'=cmd|""/c calc""!A1",,1`);
    expect(out).toContain(`"<script>alert(""x"")</script>&'"`);
  });

  it('has only the header and summary rows for empty stats', () => {
    const lines = renderReport(emptyStats(), 'csv', opts).trimEnd().split('\r\n');
    expect(lines.filter((l) => l.startsWith('hour,') || l.startsWith('route,'))).toEqual([]);
    expect(lines).toContain('summary,captcha_pass_rate,,');
  });
});

describe('renderReport html', () => {
  it('is one self-contained file with SVG charts and no scripts or external resources', () => {
    const out = renderReport(sampleStats(), 'html', opts);
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect((out.match(/<svg /g) ?? []).length).toBe(2);
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toMatch(/(src|href)\s*=/i);
    expect(out).not.toMatch(/https?:\/\//);
    expect(out).not.toMatch(/\son[a-z]+\s*=/i);
    expect(out).toContain('75.0%');
    expect(out).toContain('+33162000001');
    // The 14h bar for reject: 2 calls out of a 7-call maximum.
    expect(out).toContain('<title>2026-11-28T14h UTC: 2 reject</title>');
  });

  it('escapes hostile caller and rule strings everywhere', () => {
    const out = renderReport(hostileStats(), 'html', opts);
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('"x"');
    expect(out).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;');
  });

  it('renders empty stats without NaN and says none', () => {
    const out = renderReport(emptyStats(), 'html', opts);
    expect(out).not.toContain('NaN');
    expect(out).toContain('none');
    expect(out).toContain('n/a');
  });

  it('labels the chart\'s scale with its count in the singular or the plural (1 call, 7 calls)', () => {
    expect(renderReport(sampleStats(), 'html', opts)).toContain('font-size="11">7 calls</text>');
    const one = { ...emptyStats(), total: 1, byAction: { ring: 1 }, byRoute: { ring: 1 }, byRule: { default: 1 }, byHour: { '2026-11-28T09': { ring: 1 } } };
    expect(renderReport(one, 'html', opts)).toContain('font-size="11">1 call</text>');
  });

  it('ignores garbage counts from a tampered store', () => {
    const s = sampleStats();
    s.byHour['2026-11-28T10'] = { ring: Number.NaN, reject: -4 };
    const out = renderReport(s, 'html', opts);
    expect(out).not.toContain('NaN');
    expect(out).not.toMatch(/height="-/);
  });
});
