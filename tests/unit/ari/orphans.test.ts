import { describe, expect, it } from 'vitest';
import { orphanCandidates } from '../../../src/ari/orphans.js';

const APP = 'chut';
const parked = (id: unknown, app = APP) => ({ id, name: 'PJSIP/trunk-1', dialplan: { context: 'from-pstn', exten: '100', priority: 1, app_name: 'Stasis', app_data: `${app},x` } });

describe('the orphan sweep sends on only channels it may address', () => {
  it('takes the unowned channels parked in our app, and no other', () => {
    const channels = [
      parked('1795889353.33'),
      parked('1795889353.34'),
      parked('1795889353.35', 'other-app'),
      { ...parked('1795889353.36'), dialplan: { context: 'from-pstn', exten: '100', priority: 1, app_name: 'Dial', app_data: 'PJSIP/100' } },
      null,
      'not a channel',
    ];
    expect(orphanCandidates(channels, APP, (id) => id === '1795889353.34')).toEqual({ candidates: ['1795889353.33'], refused: [] });
    expect(orphanCandidates({ not: 'a list' }, APP, () => false)).toEqual({ candidates: [], refused: [] });
  });

  // `/channels/../continue` normalises to another REST path: such an id is never put in one, but the sweep says so
  for (const id of ['..', '.', '...', '../../asterisk/info', 'a/b', '', 'x'.repeat(129)]) {
    it(`refuses a channel id ${JSON.stringify(id).slice(0, 40)}, parked in our app, and sends on the others`, () => {
      expect(orphanCandidates([parked(id), parked('1795889353.33'), parked(id, 'other-app')], APP, () => false))
        .toEqual({ candidates: ['1795889353.33'], refused: [id] });
    });
  }
  for (const id of [42, null, undefined, { id: 'x' }]) {
    it(`leaves out a channel id that is no text: ${JSON.stringify(id)}`, () => {
      expect(orphanCandidates([parked(id), parked('1795889353.33')], APP, () => false)).toEqual({ candidates: ['1795889353.33'], refused: [] });
    });
  }
});
