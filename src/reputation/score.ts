/**
 * Reputation score arithmetic, the one place it lives. Scores run from 0 (clean) to 100 (certain spam),
 * halve every `halfLifeMs` without news, and are rounded to 1e-6 so the Redis Lua mirror (lua.ts) lands on
 * exactly the same numbers: both sides compute floor(x * 1e6 + 0.5) / 1e6 over IEEE doubles.
 */
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

/** Stored raw score + when it was stored + the half-life then in force → the score at `now`. */
export function scoreAt(raw: { score: number; at: number; halfLifeMs: number } | null, now: number): number {
  if (!raw) return 0;
  return decayScore(raw.score, now - raw.at, raw.halfLifeMs);
}
