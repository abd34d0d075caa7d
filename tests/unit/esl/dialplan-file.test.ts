/**
 * dialplan/freeswitch/chut.xml as FreeSWITCH reads it: its X-PRE-PROCESS preprocessor runs before the XML parser and
 * acts on the tag even inside a comment, so the file must never contain one (an include of itself would loop);
 * and an XML comment may not contain `--`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { CHUT_XML_BOUND_S } from '../../../src/sim/esl/index.js';

const xml = readFileSync(new URL('../../../dialplan/freeswitch/chut.xml', import.meta.url), 'utf8');

describe('the FreeSWITCH dialplan file', () => {
  it('holds no X-PRE-PROCESS tag, not even in a comment', () => {
    expect(xml).not.toContain('<X-PRE-PROCESS');
  });

  it('has comments FreeSWITCH can parse (no "--" inside)', () => {
    for (const [, body] of xml.matchAll(/<!--([\s\S]*?)-->/g)) expect(body).not.toContain('--');
  });

  it('tells the installer to include it first in the public context, not to drop it in public/', () => {
    expect(xml).toContain('conf/dialplan/chut/00_chut.xml');
    expect(xml).not.toContain('conf/dialplan/public/00_chut.xml');
  });

  it('chut-screen arms the bound before socket and cancels it right after, as the simulator runs it', () => {
    const screen = /<extension name="chut-screen"[\s\S]*?<\/extension>/.exec(xml)?.[0] ?? '';
    const actions = [...screen.matchAll(/<action application="([^"]+)" data="([^"]*)"\/>/g)].map(([, app, data]) => `${app} ${data}`.trim());
    expect(actions).toEqual([
      'set chut_screened=true',
      `set chut_bound=${CHUT_XML_BOUND_S}`,
      'sched_transfer +${chut_bound} ${destination_number} XML ${context}',
      'socket 127.0.0.1:8084 async full',
      'sched_cancel',
    ]);
    // only screened calls are bounded: the feature codes' extensions have no transfer to fall back on
    const rest = xml.replace(screen, '');
    expect(rest.replace(/<!--[\s\S]*?-->/g, '')).not.toMatch(/chut_bound|sched_/);
  });

  it('the bound leaves chut\'s own limit room: the longest screening deadline plus the watchdog, with the scheduler\'s second', () => {
    // screening.deadlineMs is at most 5000; chut's watchdog lets the call ring 500 ms later. The scheduler's
    // whole-second clock can fire the bound up to a second early. (A bound that fires first only rings the call.)
    expect(() => parseConfig({ screening: { deadlineMs: 5001 } })).toThrow();
    expect((CHUT_XML_BOUND_S - 1) * 1000).toBeGreaterThan(5000 + 500 + 2000);
  });
});
