/**
 * chut-ami.conf clears every variable chut sets (and the IVR's own) before it asks chut, so a value inherited from
 * another channel (`__CHUT_MAILBOX`) or left by an earlier pass through chut-screen (a transfer back into the
 * context) never picks this call's mailbox, reject style or captcha.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { captchaVariables, routeVariables } from '../../../src/ami/variables.js';
import { parseConfig } from '../../../src/config.js';
import { CLEARED_BEFORE_QUERY } from '../../../src/sim/ami/call.js';

const conf = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8');
const lines = conf.split('\n').map((l) => l.replace(/(^|\s);.*$/, '').trim()).filter(Boolean);
const screenContext = lines.slice(lines.indexOf('[chut-screen]') + 1, lines.indexOf('[chut-features]'));
/** The screening extension up to the ChutQuery: what runs before chut is asked. */
const beforeQuery = screenContext.slice(0, screenContext.findIndex((l) => l.includes('UserEvent(ChutQuery')));
const cleared = beforeQuery.map((l) => /Set\((CHUT_[A-Z_]+)=\)$/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
/** Set by the user (globals, or on the channel before the Gosub): never cleared. */
const TUNING = ['CHUT_WAIT_MS', 'CHUT_VERSTAT', 'CHUT_VM_DEFAULT'];

describe('chut-ami.conf: nothing stale reaches a screened call', () => {
  it('clears, before the ChutQuery, every variable chut can set', () => {
    const config = parseConfig({ routes: { voicemailMailbox: '100@default' } });
    const set = new Set<string>();
    for (const route of ['ring', 'voicemail', 'reject'] as const) for (const [name] of routeVariables(config, route)) set.add(name);
    for (const [name] of captchaVariables(config, '1234', { onFail: 'reject', onTimeout: 'voicemail' })) set.add(name);
    expect(set.size).toBeGreaterThan(10);
    for (const name of set) expect(cleared, name).toContain(name);
  });

  it('clears every CHUT_* variable the context reads that neither the user tunes nor the snippet sets first', () => {
    const read = new Set<string>();
    for (const l of screenContext) for (const m of l.matchAll(/\$\{(CHUT_[A-Z_]+)|CUT\((CHUT_[A-Z_]+)/g)) read.add((m[1] ?? m[2]) as string);
    const setFirst = beforeQuery.map((l) => /Set\((CHUT_[A-Z_]+)=\$\{/.exec(l)?.[1]).filter(Boolean);
    expect(setFirst).toEqual(['CHUT_DID']);
    for (const name of read) {
      if (TUNING.includes(name) || setFirst.includes(name)) continue;
      expect(cleared, name).toContain(name);
    }
    for (const name of TUNING) expect(cleared).not.toContain(name);
  });

  it('is what the simulator clears', () => {
    expect([...CLEARED_BEFORE_QUERY]).toEqual(cleared);
  });
});
