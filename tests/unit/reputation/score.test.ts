import { describe, expect, it } from 'vitest';
import { applyScoreDelta, decayScore, roundScore, scoreAt } from '../../../src/reputation/index.js';

const DAY = 86_400_000;

describe('decayScore', () => {
  it('halves the score every half-life', () => {
    expect(decayScore(80, 30 * DAY, 30 * DAY)).toBe(40);
    expect(decayScore(80, 60 * DAY, 30 * DAY)).toBe(20);
    expect(decayScore(100, 15 * DAY, 30 * DAY)).toBe(70.710678);
  });

  it('leaves the score alone when no time passed, time ran backwards or the half-life is unusable', () => {
    expect(decayScore(55.5, 0, DAY)).toBe(55.5);
    expect(decayScore(55.5, -5 * DAY, DAY)).toBe(55.5);
    expect(decayScore(55.5, DAY, 0)).toBe(55.5);
    expect(decayScore(55.5, DAY, Number.NaN)).toBe(55.5);
    expect(decayScore(55.5, Number.POSITIVE_INFINITY, DAY)).toBe(55.5);
  });

  it('treats a corrupt score as 0 and fades to 0 after a long silence', () => {
    expect(decayScore(Number.NaN, DAY, DAY)).toBe(0);
    expect(decayScore(100, 3650 * DAY, 30 * DAY)).toBe(0);
  });
});

describe('applyScoreDelta', () => {
  it('adds and clamps into 0…100', () => {
    expect(applyScoreDelta(40, 25)).toBe(65);
    expect(applyScoreDelta(90, 25)).toBe(100);
    expect(applyScoreDelta(10, -40)).toBe(0);
  });

  it('ignores non-finite deltas and rounds to 6 decimals', () => {
    expect(applyScoreDelta(12, Number.NaN)).toBe(12);
    expect(applyScoreDelta(12, Number.POSITIVE_INFINITY)).toBe(12);
    expect(applyScoreDelta(0.1, 0.2)).toBe(0.3);
    expect(roundScore(1.23456749)).toBe(1.234567);
    expect(roundScore(1.2345675)).toBe(1.234568);
  });
});

describe('scoreAt', () => {
  it('decays a stored raw score with its stored half-life, 0 when nothing is stored', () => {
    expect(scoreAt(null, Date.now())).toBe(0);
    expect(scoreAt({ score: 60, at: 1000, halfLifeMs: DAY }, 1000 + DAY)).toBe(30);
  });
});
