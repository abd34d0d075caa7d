/**
 * dialplan/freeswitch/chut.xml as FreeSWITCH reads it: its X-PRE-PROCESS preprocessor runs before the XML parser and
 * acts on the tag even inside a comment, so the file must never contain one (an include of itself would loop);
 * and an XML comment may not contain `--`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

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
});
