/**
 * dialplan/freeswitch/chut.xml as FreeSWITCH reads it: its X-PRE-PROCESS preprocessor runs before the XML parser and
 * acts on the tag even inside a comment, so the file must never contain one (an include of itself would loop);
 * and an XML comment may not contain `--`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { argPattern } from '../../../src/esl/command.js';
import { FEATURE_TONES } from '../../../src/esl/session.js';
import { CALL_PATH_TIMEOUTS } from '../../../src/redis-client.js';
import { CHUT_XML_BOUND_S, CHUT_XML_FEATURE_BOUND_S } from '../../../src/sim/esl/index.js';

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

  /** A call as the conditions read it: its caller profile's fields, and the channel variables they test. */
  interface Channel { context: string; destination_number: string; chut_screened?: string; chut_feature?: string }
  const extensionText = (name: string) => new RegExp(`<extension name="${name}"[\\s\\S]*?<\\/extension>`).exec(xml)?.[0] ?? '';

  /**
   * An extension as mod_dialplan_xml's parse_exten hunts it: conditions in order; a match adds the condition's actions,
   * a mismatch its anti-actions; break (default on-false) ends the extension on a mismatch, "never" goes on either
   * way; a condition without a field always matches. PCRE's \z (end of subject) is JavaScript's $ without the m flag.
   */
  function hunt(channel: Channel, extension = 'chut-screen'): string[] {
    const body = extensionText(extension).replace(/<!--[\s\S]*?-->/g, '');
    const steps: string[] = [];
    for (const [, attrs = '', inner = ''] of body.matchAll(/<condition\b([^>]*?)(?:\/>|>([\s\S]*?)<\/condition>)/g)) {
      const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
      const field = attr('field');
      const variable = /^\$\{(\w+)\}$/.exec(field ?? '')?.[1];
      const value = field === undefined ? '' : variable !== undefined ? channel[variable as keyof Channel] ?? '' : channel[field as 'context' | 'destination_number'];
      const matched = field === undefined || new RegExp((attr('expression') ?? '').replace(/\\z$/, '$')).test(value);
      const tag = matched ? 'action' : 'anti-action';
      for (const [, app, data] of inner.matchAll(new RegExp(`<${tag} application="([^"]+)" data="([^"]*)"\\/>`, 'g'))) steps.push(`${app} ${data}`.trim());
      const brk = attr('break') ?? 'on-false';
      if (brk === 'always' || (brk === 'on-false' && !matched) || (brk === 'on-true' && matched)) break;
    }
    return steps;
  }

  it('chut-screen arms the bound before socket and cancels it right after, as the simulator runs it', () => {
    expect(hunt({ context: 'public', destination_number: '+33100000000' })).toEqual([
      'set chut_screened=true',
      `set chut_bound=${CHUT_XML_BOUND_S}`,
      'sched_transfer +${chut_bound} ${destination_number} XML ${context}',
      'socket 127.0.0.1:8084 async full',
      'sched_cancel',
    ]);
    // screened once; only in public
    expect(hunt({ context: 'public', destination_number: '1000', chut_screened: 'true' })).toEqual([]);
    expect(hunt({ context: 'default', destination_number: '1000' })).toEqual([]);
    // chut reads chut_bound as the screening bound it must delete before it takes the call: only chut-screen sets it
    const rest = xml.replace(extensionText('chut-screen'), '');
    expect(rest.replace(/<!--[\s\S]*?-->/g, '')).not.toMatch(/chut_bound/);
  });

  // A hung chut left the phone in silence until the user hung up: each feature code is bounded as chut-screen is, and
  // the bound brings the call back to its own extension, which then says that nothing was reported.
  it.each([['chut-report-spam', '*77', 'spam'], ['chut-report-allow', '*78', 'allow']])(
    '%s arms a bound before socket that ends a hung chut\'s call with the "nothing was reported" tone', (extension, code, kind) => {
      const nothingReported = [`playback ${FEATURE_TONES.nobody}`, 'hangup NORMAL_CLEARING'];
      expect(hunt({ context: 'default', destination_number: code }, extension)).toEqual([
        `set chut_feature=${kind}`,
        `sched_transfer +${CHUT_XML_FEATURE_BOUND_S} ${code} XML default`,
        'socket 127.0.0.1:8084 async full',
        'sched_cancel',
        ...nothingReported,
      ]);
      // where the bound sends the call: back to the same extension, chut_feature set
      expect(hunt({ context: 'default', destination_number: code, chut_feature: kind }, extension)).toEqual(nothingReported);
      expect(hunt({ context: 'public', destination_number: code }, extension)).toEqual([]);
      expect(hunt({ context: 'default', destination_number: '1000' }, extension)).toEqual([]);
    });

  it('the feature codes\' bound leaves chut room to report, beep and hang up first', () => {
    // chut does not delete this bound: it reports (a few Redis round trips, each given up after the call path's command
    // timeout; the first that fails ends the report) and plays its tone (at most the 2 s busy tone) before the bound's
    // earliest second
    const longestTone = 2000;
    expect((CHUT_XML_FEATURE_BOUND_S - 1) * 1000).toBeGreaterThan(4 * CALL_PATH_TIMEOUTS.commandTimeout + longestTone);
  });

  it('a dialled number that would change sched_transfer\'s arguments arms no bound: the call still goes to chut', () => {
    for (const destination_number of ['1000 XML evil', '1000 default', 'a\nb', '1000\n', '', 'x'.repeat(65), "1'2", '1\\ 2']) {
      expect(hunt({ context: 'public', destination_number })).toEqual([
        'set chut_screened=true', 'set chut_bound_skipped=destination', 'socket 127.0.0.1:8084 async full', 'sched_cancel',
      ]);
    }
  });

  it('the condition is chut\'s rule for a dial plan name (what bound.ts checks before it re-arms), and breaks never', () => {
    const cond = /<condition field="destination_number" expression="([^"]+)" break="never">/.exec(xml);
    expect(cond?.[1]).toBe(argPattern.dialplanName.source.replace(/\$$/, '\\z'));
    expect(argPattern.dialplanName.flags).toBe('');
  });

  it('the bound leaves chut\'s own limit room: the longest screening deadline plus the watchdog, with the scheduler\'s second', () => {
    // screening.deadlineMs is at most 5000; chut's watchdog lets the call ring 500 ms later. The scheduler's
    // whole-second clock can fire the bound up to a second early. (A bound that fires first only rings the call.)
    expect(() => parseConfig({ screening: { deadlineMs: 5001 } })).toThrow();
    expect((CHUT_XML_BOUND_S - 1) * 1000).toBeGreaterThan(5000 + 500 + 2000);
  });
});
