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
        .toEqual({ candidates: ['1795889353.33'], refused: [{ id, creationtime: null }] });
    });
  }
  // one element of another shape (a proxy's rewrite, another Asterisk version) must not cost the sweep the others
  const dialplan = (fields: Record<string, unknown>) => ({ id: '1795889353.40', dialplan: { context: 'from-pstn', exten: '100', priority: 1, ...fields } });
  const badShapes: Array<[string, unknown]> = [
    ['app_data a number', dialplan({ app_name: 'Stasis', app_data: 42 })],
    ['app_data an object', dialplan({ app_name: 'Stasis', app_data: { app: APP } })],
    ['app_data a list', dialplan({ app_name: 'Stasis', app_data: [APP] })],
    ['app_data null', dialplan({ app_name: 'Stasis', app_data: null })],
    ['app_data missing', dialplan({ app_name: 'Stasis' })],
    ['app_name a list', dialplan({ app_name: ['Stasis'], app_data: `${APP},x` })],
    ['dialplan text', { id: '1795889353.40', dialplan: `Stasis(${APP})` }],
    ['dialplan null', { id: '1795889353.40', dialplan: null }],
    ['dialplan missing', { id: '1795889353.40' }],
    ['a number', 7],
    ['true', true],
    ['a list', [parked('1795889353.40')]],
    ['an empty object', {}],
  ];
  for (const [shape, element] of badShapes) {
    it(`skips an element that is ${shape}, and sends on the others`, () => {
      expect(orphanCandidates([parked('1795889353.33'), element, parked('1795889353.34'), parked('a/b')], APP, () => false))
        .toEqual({ candidates: ['1795889353.33', '1795889353.34'], refused: [{ id: 'a/b', creationtime: null }] });
    });
  }

  it('gives a refused channel its creation time, which tells apart two calls given the same id; one of another shape is none', () => {
    const at = (creationtime: unknown) => ({ ...parked('a/b'), creationtime });
    expect(orphanCandidates([at('2026-11-28T18:09:13.766+0000'), at(42), at('x'.repeat(65)), parked('1795889353.33')], APP, () => false))
      .toEqual({
        candidates: ['1795889353.33'],
        refused: [{ id: 'a/b', creationtime: '2026-11-28T18:09:13.766+0000' }, { id: 'a/b', creationtime: null }, { id: 'a/b', creationtime: null }],
      });
  });

  for (const id of [42, null, undefined, { id: 'x' }]) {
    it(`leaves out a channel id that is no text: ${JSON.stringify(id)}`, () => {
      expect(orphanCandidates([parked(id), parked('1795889353.33')], APP, () => false)).toEqual({ candidates: ['1795889353.33'], refused: [] });
    });
  }
});
