/** The install examples in chut-ami.conf's header: their patterns screen DIDs, never Asterisk's special extensions. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { extensionMatches } from '../../helpers/asterisk-pattern.js';

const conf = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8');
/** The example extensions that Gosub into chut-screen, from the comment lines. */
const examples = conf.split('\n').filter((l) => /^;\s+exten => /.test(l) && l.includes('Gosub(chut-screen'))
  .map((l) => /exten => ([^,]+),/.exec(l)?.[1] as string);


it('plain Asterisk and FreePBX examples screen national and E.164 DIDs and `s`, and never take h, i or T', () => {
  expect(examples.length).toBeGreaterThanOrEqual(4);
  for (const did of ['0100000000', '+33100000000', 's']) expect(examples.some((n) => extensionMatches(n, did)), did).toBe(true);
  for (const special of ['h', 'i', 'T', 't']) expect(examples.filter((n) => extensionMatches(n, special)), special).toEqual([]);
  expect(examples).not.toContain('_.');
  expect(examples).not.toContain('_!');
});
