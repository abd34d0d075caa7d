import { describe, it, expect } from 'vitest';
import { evaluate, parsePolicy } from '../../../src/rules/index.js';
import { facts, oneRule } from './facts.js';

const insideLegal = parsePolicy(oneRule('{ time: { inside: fr-legal-hours } }'), 'test');
const outsideLegal = parsePolicy(oneRule('{ time: { outside: fr-legal-hours } }'), 'test');
const holds = (policyText: string, iso: string): boolean =>
  evaluate(facts(), parsePolicy(policyText, 'test'), new Date(iso)).rule === 'r';

describe('fr-legal-hours (Mon–Fri 10–13 h and 14–20 h, Paris)', () => {
  it.each([
    ['Friday 19:59 Paris (winter, UTC+1)', '2026-11-27T18:59:00Z', true],
    ['Friday 20:00 Paris', '2026-11-27T19:00:00Z', false],
    ['Wednesday 09:59', '2026-11-25T08:59:00Z', false],
    ['Wednesday 10:00', '2026-11-25T09:00:00Z', true],
    ['Wednesday 12:59', '2026-11-25T11:59:00Z', true],
    ['Wednesday 13:00', '2026-11-25T12:00:00Z', false],
    ['Wednesday 13:30 (lunch)', '2026-11-25T12:30:00Z', false],
    ['Wednesday 14:00', '2026-11-25T13:00:00Z', true],
    ['Wednesday 03:00 (night)', '2026-11-25T02:00:00Z', false],
    ['Saturday 11:00', '2026-11-28T10:00:00Z', false],
    ['Sunday 15:00', '2026-11-29T14:00:00Z', false],
    ['Tuesday 14 July 11:00 (public holiday)', '2026-07-14T09:00:00Z', false],
    ['Thursday 14 May 11:00 (Ascension)', '2026-05-14T09:00:00Z', false],
    ['Friday 27 March 09:30 CET, the week before summer time', '2026-03-27T08:30:00Z', false],
    ['Monday 30 March 10:30 CEST, the day after summer time starts', '2026-03-30T08:30:00Z', true],
    ['Friday 19:59 CEST in summer (UTC+2)', '2026-06-26T17:59:00Z', true],
    ['Friday 20:00 CEST in summer', '2026-06-26T18:00:00Z', false],
  ])('%s → inside %s', (_label, iso, inside) => {
    const now = new Date(iso);
    expect(evaluate(facts(), insideLegal, now).rule === 'r').toBe(inside);
    expect(evaluate(facts(), outsideLegal, now).rule === 'r').toBe(!inside);
  });

  it('explains with the local time, the zone and the pack', () => {
    expect(evaluate(facts(), outsideLegal, new Date('2026-11-28T10:00:00Z')).reasons)
      .toEqual(['it is Sat 11:00 in Europe/Paris, outside fr-legal-hours']);
    expect(evaluate(facts(), outsideLegal, new Date('2026-07-14T09:00:00Z')).reasons)
      .toEqual(['it is Tue 11:00 in Europe/Paris (public holiday), outside fr-legal-hours']);
    expect(evaluate(facts(), insideLegal, new Date('2026-11-27T18:59:00Z')).reasons)
      .toEqual(['it is Fri 19:59 in Europe/Paris, inside fr-legal-hours']);
  });
});

describe('time windows', () => {
  it.each([
    ['on the DST change day, 03:30 CEST exists right after the jump', "{ time: { days: [sun], from: '03:00', to: '04:00' } }", '2026-03-29T01:30:00Z', true],
    ['on the DST change day, 00:59 UTC is still 01:59 CET', "{ time: { days: [sun], from: '03:00', to: '04:00' } }", '2026-03-29T00:59:00Z', false],
    ['autumn change day: 02:30 CEST (first pass)', "{ time: { days: [sun], from: '02:00', to: '03:00' } }", '2026-10-25T00:30:00Z', true],
    ['autumn change day: 02:30 CET (second pass)', "{ time: { days: [sun], from: '02:00', to: '03:00' } }", '2026-10-25T01:30:00Z', true],
    ['autumn change day: 03:30 CET', "{ time: { days: [sun], from: '02:00', to: '03:00' } }", '2026-10-25T02:30:00Z', false],
    ['overnight window, Friday 23:00', "{ time: { days: [fri], from: '22:00', to: '07:00' } }", '2026-11-27T22:00:00Z', true],
    ['overnight window, Saturday 06:59 belongs to Friday night', "{ time: { days: [fri], from: '22:00', to: '07:00' } }", '2026-11-28T05:59:00Z', true],
    ['overnight window, Saturday 07:00', "{ time: { days: [fri], from: '22:00', to: '07:00' } }", '2026-11-28T06:00:00Z', false],
    ['overnight window, Friday 06:00 (Thursday night not listed)', "{ time: { days: [fri], from: '22:00', to: '07:00' } }", '2026-11-27T05:00:00Z', false],
    ['wrapping day range fri-mon includes Sunday', '{ time: { days: [fri-mon] } }', '2026-11-29T12:00:00Z', true],
    ['wrapping day range fri-mon excludes Wednesday', '{ time: { days: [fri-mon] } }', '2026-11-25T12:00:00Z', false],
    ['from only runs to midnight', "{ time: { from: '18:00' } }", '2026-11-25T22:59:00Z', true],
    ["to: '24:00' includes 23:59", "{ time: { from: '18:00', to: '24:00' } }", '2026-11-25T22:59:00Z', true],
    ['to only starts at midnight', "{ time: { to: '08:00' } }", '2026-11-25T06:59:00Z', true],
    ['to is exclusive', "{ time: { to: '08:00' } }", '2026-11-25T07:00:00Z', false],
    ['condition time zone overrides the policy one', "{ time: { from: '09:00', to: '10:00', timezone: America/New_York } }", '2026-11-25T14:30:00Z', true],
    ['same instant in Paris is 15:30', "{ time: { from: '09:00', to: '10:00' } }", '2026-11-25T14:30:00Z', false],
  ])('%s', (_label, when, iso, expected) => {
    expect(holds(oneRule(when), iso)).toBe(expected);
  });

  it('uses the policy time zone when the condition names none', () => {
    const text = oneRule("{ time: { from: '09:00', to: '10:00' } }", 'timezone: America/New_York\n');
    expect(holds(text, '2026-11-25T14:30:00Z')).toBe(true);
    const d = evaluate(facts(), parsePolicy(text, 'test'), new Date('2026-11-25T14:30:00Z'));
    expect(d.reasons).toEqual(['it is Wed 09:30 in America/New_York, within every day 09:00–10:00']);
  });

  it('explains a window that did not hold (through not)', () => {
    const text = oneRule("{ not: { time: { days: [mon-fri], from: '08:00', to: '19:00' } } }");
    const d = evaluate(facts(), parsePolicy(text, 'test'), new Date('2026-11-28T10:00:00Z'));
    expect(d.rule).toBe('r');
    expect(d.reasons).toEqual(['it is Sat 11:00 in Europe/Paris, outside mon-fri 08:00–19:00']);
  });
});
