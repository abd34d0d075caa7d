/**
 * `normalise(rawNumber, rawName, opts)`: the entry point the screener calls for every inbound call.
 * Never throws; results of number parsing are memoised in a bounded LRU keyed by (default country, raw number),
 * because the same numbers call again and libphonenumber parsing is the expensive part.
 */
import { detach } from '../detach.js';
import { LruCache } from './lru.js';
import { cleanName } from './name.js';
import { parseCallerId, type ParsedCallerId } from './parse-caller.js';
import { MAX_RAW_LENGTH, showCallerId } from './sanitize.js';
import type { CallerNumber, NormaliseOptions, NormalisedCaller } from './types.js';

export const DEFAULT_CACHE_SIZE = 10_000;

export interface Normaliser {
  normalise(rawNumber: unknown, rawName: unknown, opts: NormaliseOptions): NormalisedCaller;
  /** Entries currently memoised (diagnostics and tests). */
  cacheSize(): number;
}

export function createNormaliser(options: { cacheSize?: number } = {}): Normaliser {
  const cache = new LruCache<string, ParsedCallerId>(options.cacheSize ?? DEFAULT_CACHE_SIZE);

  function parseCached(rawNumber: string, country: string): ParsedCallerId {
    // Everything past MAX_RAW_LENGTH only matters as "it was longer", so one extra unit keeps keys bounded and exact.
    const key = `${country}\u0000${rawNumber.length > MAX_RAW_LENGTH ? rawNumber.slice(0, MAX_RAW_LENGTH + 1) : rawNumber}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      // Detached: neither the key nor the result kept in the cache may pin the PBX frame the number was cut from.
      hit = parseCallerId(detach(rawNumber), country);
      cache.set(detach(key), hit);
    }
    return hit;
  }

  function normalise(rawNumber: unknown, rawName: unknown, opts: NormaliseOptions): NormalisedCaller {
    try {
      const country = typeof opts?.defaultCountry === 'string' ? opts.defaultCountry.slice(0, 8) : '';
      if (typeof rawNumber !== 'string') return { number: nonString(rawNumber), name: cleanName(rawName) };
      const parsed = parseCached(rawNumber, country);
      let name = cleanName(rawName);
      if (name === '' && parsed.displayName !== null) name = cleanName(parsed.displayName);
      // A copy, so a caller mutating its result cannot poison the cache.
      return { number: { ...parsed.number }, name };
    } catch {
      // Defensive: every step above is written not to throw, but a caller ID must never crash a call.
      return { number: { kind: 'invalid', raw: '', reason: 'not-a-valid-number', digits: '', verstat: null }, name: '' };
    }
  }

  return { normalise, cacheSize: () => cache.size };
}

/**
 * A missing caller ID (`undefined`/`null`, e.g. an absent header) is the PBX telling us there is no number: withheld.
 * Any other non-string (number, object…) is a bug or an attack upstream: invalid, `not-a-string`.
 */
function nonString(rawNumber: unknown): CallerNumber {
  if (rawNumber === undefined || rawNumber === null) return { kind: 'withheld', raw: '', verstat: null };
  return { kind: 'invalid', raw: describe(rawNumber), reason: 'not-a-string', digits: '', verstat: null };
}

function describe(value: unknown): string {
  const text = typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : '';
  return showCallerId(text);
}

const defaultNormaliser = createNormaliser();

export function normalise(rawNumber: unknown, rawName: unknown, opts: NormaliseOptions): NormalisedCaller {
  return defaultNormaliser.normalise(rawNumber, rawName, opts);
}
