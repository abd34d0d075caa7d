/**
 * Case-insensitive glob matching for caller names (`*` any run, `?` one character), in linear time by
 * construction: no regular expressions, no backtracking. The pattern is cut at its stars into fixed-length
 * segments; the first is anchored at the start, the last at the end, and each middle one is found by a single
 * left-to-right bit-parallel scan (Shift-And) that resumes where the previous segment ended. Taking the
 * leftmost match of each middle segment is always safe for globs, so no position of the name is read twice:
 * O(name + pattern) whatever the input (`*a*a*a*a*b` against 10 kB of `a` is instant).
 */

/** Longest run of characters between two stars: one bit per character in a 31-bit mask. */
export const MAX_SEGMENT = 31;
export const MAX_PATTERN = 100;
/** Characters of regular expressions that caller names practically never hold, a leading `.*`/`.+` and any `.+`:
 * the regex spellings of "any text", which as a glob would silently match nothing (`DR.*` stays a glob: "DR." then
 * anything). */
const REGEX_MARKS = /[\^$\\[\]|]|^\.[*+]|\.\+/;
/** Names longer than this are cut before matching (phone already trims them; this is a second fence). */
const MAX_NAME = 256;

interface Segment {
  readonly length: number;
  /** Per character: the positions (bits) where it may appear. */
  readonly masks: ReadonlyMap<string, number>;
  /** Positions holding `?` (any character). */
  readonly anyMask: number;
}

export interface NameMatcher {
  /** The pattern as written in the policy, for reasons. */
  readonly text: string;
  matches(name: readonly string[]): boolean;
}

/** Lower-case, accents removed, as code points: `Énergie` and `ENERGIE` compare equal. */
export function foldName(text: string): string[] {
  const folded = text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  return Array.from(folded).slice(0, MAX_NAME);
}

function segment(chars: readonly string[], wildcards: boolean): Segment {
  const masks = new Map<string, number>();
  let anyMask = 0;
  chars.forEach((c, i) => {
    if (wildcards && c === '?') anyMask |= 1 << i;
    else masks.set(c, (masks.get(c) ?? 0) | (1 << i));
  });
  return { length: chars.length, masks, anyMask };
}

function matchAt(seg: Segment, text: readonly string[], at: number): boolean {
  if (at < 0 || at + seg.length > text.length) return false;
  for (let i = 0; i < seg.length; i++) {
    const c = text[at + i] as string;
    if ((((seg.masks.get(c) ?? 0) | seg.anyMask) & (1 << i)) === 0) return false;
  }
  return true;
}

/** End index of the leftmost occurrence of `seg` inside text[from, limit), or -1. One pass, no going back. */
function search(seg: Segment, text: readonly string[], from: number, limit: number): number {
  if (seg.length === 0) return from;
  const accept = 1 << (seg.length - 1);
  let state = 0;
  for (let i = from; i < limit; i++) {
    state = ((state << 1) | 1) & ((seg.masks.get(text[i] as string) ?? 0) | seg.anyMask);
    if ((state & accept) !== 0) return i + 1;
  }
  return -1;
}

/** Why a pattern cannot be used, or null when it is fine. */
export function patternProblem(pattern: string): string | null {
  const chars = foldName(pattern);
  if (chars.length === 0 || pattern.length > MAX_PATTERN) return `must be 1 to ${MAX_PATTERN} characters`;
  // Written as a regular expression, a pattern would silently match nothing (`^robo.*$` only matches that text).
  if (REGEX_MARKS.test(pattern)) return 'looks like a regular expression (^ $ \\ [ ] | and a leading .* are not used here): name patterns are globs, * any text, ? one character, e.g. *ROBO*';
  let run = 0;
  for (const c of chars) {
    run = c === '*' ? 0 : run + 1;
    if (run > MAX_SEGMENT) return `at most ${MAX_SEGMENT} characters between two *`;
  }
  return null;
}

/** Compiles a glob; call `patternProblem` first (validation does). */
export function compileGlob(pattern: string): NameMatcher {
  const parts: string[][] = [[]];
  for (const c of foldName(pattern)) {
    if (c === '*') parts.push([]);
    else (parts[parts.length - 1] as string[]).push(c);
  }
  const segs = parts.map((p) => segment(p, true));
  const head = segs[0] as Segment;
  if (segs.length === 1) {
    return { text: pattern, matches: (name) => name.length === head.length && matchAt(head, name, 0) };
  }
  const tail = segs[segs.length - 1] as Segment;
  const middles = segs.slice(1, -1).filter((s) => s.length > 0);
  return {
    text: pattern,
    matches(name) {
      const limit = name.length - tail.length;
      if (limit < head.length || !matchAt(head, name, 0)) return false;
      let pos = head.length;
      for (const mid of middles) {
        pos = search(mid, name, pos, limit);
        if (pos < 0) return false;
      }
      return matchAt(tail, name, limit);
    },
  };
}

/** Why a `contains` text cannot be used, or null: its length counts as matching does, in folded characters (a Hangul
 * syllable folds to three), since each takes one bit of the 31-bit mask. */
export function containsProblem(text: string): string | null {
  const n = foldName(text).length;
  if (n === 0) return 'must not be empty';
  return n > MAX_SEGMENT ? `at most ${MAX_SEGMENT} characters (accented and Hangul letters count once per part)` : null;
}

/** A plain case-insensitive substring test (`*` and `?` are literal here), same linear scan. */
export function compileContains(text: string): NameMatcher {
  const seg = segment(foldName(text), false);
  return { text, matches: (name) => search(seg, name, 0, name.length) >= 0 };
}
