/**
 * Reputation score arithmetic, the one place it lives. Scores run from 0 (clean) to 100 (certain spam),
 * halve every `halfLifeMs` without news, and are rounded to 1e-6 so the Redis Lua mirror (lua.ts) lands on
 * exactly the same numbers: both sides compute floor(x * 1e6 + 0.5) / 1e6 over IEEE doubles.
 */
import { DAY_MS } from '../time-units.js';

export const SCORE_MIN = 0;
export const SCORE_MAX = 100;

/** Rounds to 6 decimals the same way the Lua mirror does (floor(x + 0.5), not banker's rounding). */
export function roundScore(x: number): number {
  return Math.floor(x * 1e6 + 0.5) / 1e6;
}

/** The score `elapsedMs` later: halved every half-life. Time running backwards or a bad half-life changes nothing. */
export function decayScore(score: number, elapsedMs: number, halfLifeMs: number): number {
  if (!Number.isFinite(score)) return 0;
  if (!(elapsedMs > 0) || !(halfLifeMs > 0) || !Number.isFinite(elapsedMs) || !Number.isFinite(halfLifeMs)) return score;
  return roundScore(score * 0.5 ** (elapsedMs / halfLifeMs));
}

/** Adds `delta` (non-finite deltas count as 0) and clamps into 0…100. */
export function applyScoreDelta(score: number, delta: number): number {
  const d = Number.isFinite(delta) ? delta : 0;
  const base = Number.isFinite(score) ? score : 0;
  return roundScore(Math.min(SCORE_MAX, Math.max(SCORE_MIN, base + d)));
}

/** A stored score as the arithmetic may use it: a hand edit or a foreign tool may have written anything, so what is
 * not a finite number counts as 0 and the rest is clamped into 0…100 (the Lua mirror does the same). */
function cleanStoredScore(score: number): number {
  return Number.isFinite(score) ? Math.min(SCORE_MAX, Math.max(SCORE_MIN, score)) : 0;
}

/** Stored raw score + when it was stored + the half-life then in force → the score at `now`. A stored time in the
 * future (an auto-block holds the score until it ends) means no decay yet. */
export function scoreAt(raw: { score: number; at: number; halfLifeMs: number } | null, now: number): number {
  if (!raw) return 0;
  return decayScore(cleanStoredScore(raw.score), now - raw.at, raw.halfLifeMs);
}

/** The longest a score is held (an auto-block lasts at most 365 days): a stored time further ahead is not a hold
 * but a bad value (a hand edit), which must not freeze the score for ever. */
export const MAX_HOLD_MS = 366 * DAY_MS;

/** When a score written at `now` starts decaying: not before a hold (`holdUntil`), nor before a hold already stored
 * (`storedAt` in the future, up to MAX_HOLD_MS), so that no later update shortens an auto-block's hold. */
export function decayStart(now: number, holdUntil: number | undefined, storedAt: number | undefined): number {
  let start = Math.floor(now);
  const heldAtMost = start + MAX_HOLD_MS;
  if (holdUntil !== undefined && Number.isFinite(holdUntil) && holdUntil > start) start = Math.min(Math.floor(holdUntil), heldAtMost);
  if (storedAt !== undefined && Number.isFinite(storedAt) && storedAt > start && storedAt <= heldAtMost) start = storedAt;
  return start;
}
