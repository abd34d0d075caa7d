/** Reconnect timing shared by every connection chut owns (ARI, AMI, ESL inbound, Redis). Imports nothing of ours. */

/** Milliseconds before reconnect attempt `attempt` (1-based), or null to give up. */
export type RetryStrategy = (attempt: number) => number | null;

/** Capped exponential backoff with jitter in [50 %, 100 %] of the step, so instances don't reconnect in lockstep. */
export function backoffDelay(attempt: number, baseMs = 250, capMs = 15_000, random: () => number = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * How long a PBX connection must stay up before a later drop starts the reconnect backoff from the beginning: a peer
 * that accepts and then drops every connection (a proxy cutting sessions, a crash-looping PBX) must not get a
 * reconnect every few hundred milliseconds.
 */
export const STABLE_CONNECTION_MS = 10_000;

/** The default strategy: capped, jittered, never gives up (a PBX add-on must come back on its own). */
export function defaultRetryStrategy(baseMs = 250, capMs = 15_000, random: () => number = Math.random): RetryStrategy {
  return (attempt) => backoffDelay(attempt, baseMs, capMs, random);
}
