/**
 * The dialled number (DID) as rules see it: E.164 when it is a valid number, otherwise the cleaned dial string
 * (digits, `+`, and `*`/`#` so feature codes such as `*77` still match), at most 32 characters; '' for anything else
 * (Asterisk's `s` extension, letters, control characters).
 */
import { detach } from '../detach.js';
import { LruCache } from './lru.js';
import { parseCallerId } from './parse-caller.js';
import { MAX_RAW_LENGTH } from './sanitize.js';
import { splitCallerId } from './uri.js';

const MAX_DIALLED_LENGTH = 32;
// A PBX has few DIDs: a small cache keeps libphonenumber off the per-call path.
const cache = new LruCache<string, string>(1_000);

export function normaliseDialled(raw: string, defaultCountry: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RAW_LENGTH) return '';
  const country = typeof defaultCountry === 'string' ? defaultCountry.slice(0, 8) : '';
  const key = `${country}\u0000${raw}`;
  let result = cache.get(key);
  if (result === undefined) {
    result = compute(detach(raw), country);
    cache.set(detach(key), result); // detached: cached entries must not pin the PBX frame they came from
  }
  return result;
}

function compute(raw: string, country: string): string {
  try {
    const { number } = parseCallerId(raw, country);
    if (number.kind === 'valid') return number.e164;
    const compact = splitCallerId(raw).candidate.replace(/[ .\-()/]/g, '');
    return /^\+?[0-9*#]+$/.test(compact) ? compact.slice(0, MAX_DIALLED_LENGTH) : '';
  } catch {
    return '';
  }
}
