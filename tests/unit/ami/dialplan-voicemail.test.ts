/** The AMI snippet's voicemail route fails open: a missing box or a missing app_voicemail rings the call. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const conf = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8');
const voicemail = conf.slice(conf.indexOf('exten => voicemail,1,'), conf.indexOf('exten => reject,1,'))
  .split('\n').map((l) => l.replace(/\s;.*$/, '').trim()).filter(Boolean);

it('runs VoiceMail() through TryExec (a plain call to a missing application ends the call), then rings on NOAPP or FAILED', () => {
  const at = voicemail.findIndex((l) => l.includes('VoiceMail('));
  expect(voicemail[at]).toBe('same => n,TryExec(VoiceMail(${box},u))');
  expect(voicemail[at + 1]).toBe('same => n,GotoIf($["${TRYSTATUS}" = "NOAPP" | "${VMSTATUS}" = "FAILED"]?ring,1)');
  expect(voicemail.filter((l) => l.includes('VoiceMail('))).toHaveLength(1);
});
