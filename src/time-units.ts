/** Lengths of time in milliseconds, named once: a day or an hour written as a literal in many files can drift. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
