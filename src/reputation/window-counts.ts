/**
 * Call counts per sliding window, keyed by the window in seconds ("600" for ten minutes): the shape rules and
 * the HTTP API read.
 *
 * Why not `Object.fromEntries`: "600" is an array index to V8, and an object given index 600 first gets a
 * backing store of ~600 slots (7.5 kB, measured), twice per screened call. Touching the largest array index
 * first switches the object to dictionary elements (~0.2 kB); the property is deleted at once, so the object
 * is indistinguishable (keys, JSON) from the plain one.
 */
const MAX_ARRAY_INDEX = 4_294_967_294;

export function windowCounts(windowsSec: readonly number[], count: (windowSec: number, index: number) => number): Record<string, number> {
  const out: Record<string, number> = {};
  out[MAX_ARRAY_INDEX] = 0;
  delete out[MAX_ARRAY_INDEX];
  windowsSec.forEach((w, i) => {
    out[String(w)] = count(w, i);
  });
  return out;
}
