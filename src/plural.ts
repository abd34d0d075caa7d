/** Counts in text a person reads (`1 entry`, `2 entries`, `0 entries`); JSON keeps its bare numbers. */

/** The noun a count takes: the singular for exactly 1, else the plural (the singular and an s, unless given). */
export function pluralNoun(count: number, singular: string, plural = `${singular}s`): string {
  return count === 1 ? singular : plural;
}

/** A count and its noun: `1 entry`, `3 entries`. */
export function counted(count: number, singular: string, plural?: string): string {
  return `${count} ${pluralNoun(count, singular, plural)}`;
}
