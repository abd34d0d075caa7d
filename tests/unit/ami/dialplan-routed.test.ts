/**
 * chut-ami.conf reports the route a call really takes (`ChutRouted`), so chut records what the caller got and not the
 * decision it sent: the first step of `ring` and `reject`, and in `voicemail` only once the box is known to exist. The
 * ChutQuery says `ChutVersion: 2` so chut waits for that report.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { toAmiEvent } from '../../../src/ami/events.js';

const lines = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8').split('\n')
  .map((l) => l.replace(/(^|\s);.*$/, '').trim()).filter(Boolean);
const extension = (name: string) => {
  const start = lines.findIndex((l) => l.startsWith(`exten => ${name},1,`));
  expect(start, name).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('same => '));
  return lines.slice(start, end);
};
const routed = (route: string) => `UserEvent(ChutRouted,ChutCallId: \${UNIQUEID},ChutRoute: ${route})`;

it('the ChutQuery says version 2', () => {
  const query = lines.find((l) => l.includes('UserEvent(ChutQuery,')) ?? '';
  expect(query).toMatch(/^same => n,UserEvent\(ChutQuery,ChutVersion: 2,/);
});

it('ring and reject report themselves as their first step', () => {
  expect(extension('ring')[0]).toBe(`exten => ring,1,${routed('ring')}`);
  expect(extension('reject')[0]).toBe(`exten => reject,1,${routed('reject')}`);
});

it('voicemail reports itself only after the box passed the REGEX check and VM_INFO, right before VoiceMail()', () => {
  const vm = extension('voicemail');
  const report = vm.indexOf(`same => n,${routed('voicemail')}`);
  expect(report).toBeGreaterThan(vm.findIndex((l) => l.startsWith('same => n(check),')));
  expect(report).toBeGreaterThan(vm.findIndex((l) => l.includes('VM_INFO(${box},exists)')));
  expect(vm[report + 1]).toBe('same => n,TryExec(VoiceMail(${box},u))');
});

it('nothing else reports a route, and every report is a route chut reads', () => {
  const reports = lines.filter((l) => l.includes('ChutRouted'));
  expect(reports).toHaveLength(3);
  for (const l of reports) {
    const route = /ChutRoute: ([a-z-]+)\)/.exec(l)?.[1] ?? '';
    const ev = toAmiEvent({ event: 'UserEvent', channel: 'PJSIP/t-1', uniqueid: '1.1', userevent: 'ChutRouted', chutroute: route });
    expect(ev, l).toEqual({ type: 'chut-routed', channel: 'PJSIP/t-1', uniqueid: '1.1', route });
  }
});
