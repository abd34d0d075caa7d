/**
 * chut-ami.conf's *77/*78 ([chut-features] → [chut-report]) as shipped: the report says ChutVersion 2, the wait for
 * chut's CHUT_REPORTED is bounded, and each answer has its own sound, with "thank you" only for `reported` (anything
 * else, no answer included, is the information tone). The AMI simulator (src/sim/ami/feature-call.ts) runs the same
 * steps: its bound and sounds are read here from the snippet.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { toAmiEvent } from '../../../src/ami/events.js';
import { chutEncode } from '../../../src/sim/ami/channel.js';
import { REPORT_SOUNDS, REPORT_WAIT_TICKS } from '../../../src/sim/ami/feature-call.js';

const text = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8');
const lines = text.split('\n').map((l) => l.replace(/(^|\s);.*$/, '').trim()).filter(Boolean);
const context = (name: string) => {
  const start = lines.indexOf(`[${name}]`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('['));
  return lines.slice(start + 1, end === -1 ? undefined : end);
};

it('*77 reports spam and *78 allow, each through [chut-report], then hang up', () => {
  expect(context('chut-features')).toEqual([
    'exten => *77,1,Gosub(chut-report,s,1(spam))', 'same => n,Hangup()',
    'exten => *78,1,Gosub(chut-report,s,1(allow))', 'same => n,Hangup()',
  ]);
});

it('the report clears CHUT_REPORTED, then says ChutVersion 2, which chut reads with the phone\'s channel', () => {
  const report = context('chut-report');
  expect(report[0]).toBe('exten => s,1,Set(CHUT_REPORTED=)');
  const event = report.find((l) => l.includes('UserEvent(ChutReport,')) ?? '';
  const args = /UserEvent\(ChutReport,(.*)\)$/.exec(event)?.[1] ?? '';
  // what Asterisk sends for it: the snapshot, then each argument as a header (ARG1 and the caller ID substituted)
  const custom = args.split(',').map((a) => a.split(': ')).map(([k, v]) => [k, (v ?? '')
    .replace('${ARG1}', 'spam').replace('${BASE64_ENCODE(_${CALLERID(num)})}', chutEncode('100'))]);
  const packet: Record<string, string> = { event: 'UserEvent', channel: 'PJSIP/100-00000001', uniqueid: '1.2', userevent: 'ChutReport' };
  for (const [k, v] of custom) packet[(k ?? '').toLowerCase()] = v ?? '';
  expect(toAmiEvent(packet)).toEqual({ type: 'chut-report', channel: 'PJSIP/100-00000001', uniqueid: '1.2', kind: 'spam', target: '100', version: 2 });
});

it('the wait is bounded: at most REPORT_WAIT_TICKS ticks of 0.1 s', () => {
  const report = context('chut-report');
  const wait = report.find((l) => l.startsWith('same => n(wait),')) ?? '';
  expect(wait).toBe(`same => n(wait),GotoIf($["\${CHUT_REPORTED}" != "" | \${tick} >= ${REPORT_WAIT_TICKS}]?answer)`);
  const i = report.indexOf(wait);
  expect(report.slice(i + 1, i + 4)).toEqual(['same => n,Wait(0.1)', 'same => n,Set(LOCAL(tick)=$[${tick} + 1])', 'same => n,Goto(wait)']);
});

it('"thank you" only for reported; nobody is a busy tone; failed or no answer falls through to the information tone', () => {
  const report = context('chut-report');
  const at = (label: string) => report.findIndex((l) => l.startsWith(`same => n(${label}),`));
  const answer = at('answer');
  expect(report.slice(answer + 1, answer + 4)).toEqual([
    'same => n,GotoIf($["${CHUT_REPORTED}" = "reported"]?reported)',
    'same => n,GotoIf($["${CHUT_REPORTED}" = "nobody"]?nobody)',
    `same => n,${REPORT_SOUNDS.failed[0]}(${REPORT_SOUNDS.failed[1]})`,
  ]);
  expect(report[at('reported')]).toBe(`same => n(reported),${REPORT_SOUNDS.reported[0]}(${REPORT_SOUNDS.reported[1]})`);
  expect(report[at('nobody')]).toBe(`same => n(nobody),${REPORT_SOUNDS.nobody[0]}(${REPORT_SOUNDS.nobody[1]})`);
  expect(report.filter((l) => l.includes('auth-thankyou'))).toHaveLength(1);
});
