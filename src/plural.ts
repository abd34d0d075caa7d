/** Counts in text a person reads (`1 entry`, `2 entries`, `0 entries`, `10,000 calls`); JSON keeps its bare numbers. */

/** The noun a count takes: the singular for exactly 1, else the plural (the singular and an s, unless given). */
export function pluralNoun(count: number, singular: string, plural = `${singular}s`): string {
  return count === 1 ? singular : plural;
}

/** A count and its noun: `1 entry`, `3 entries`. */
export function counted(count: number, singular: string, plural?: string): string {
  return `${count} ${pluralNoun(count, singular, plural)}`;
}

/**
 * A whole number with a comma between groups of three digits (`10,000`), as the README and chut's other messages write
 * large counts (`more than 2,000,000 lines`). Built by hand, not with toLocaleString(): a log line must read the same on
 * every machine, and the default locale would write `10 000` on a French one, `10.000` on a German one. Anything but
 * a safe integer is written as String() writes it.
 */
export function groupedDigits(count: number): string {
  if (!Number.isSafeInteger(count)) return String(count);
  const digits = String(Math.abs(count)).replace(/\B(?=(\d{3})+$)/g, ',');
  return count < 0 ? `-${digits}` : digits;
}

/** `counted` with the count's digits grouped (groupedDigits): `10,000 calls`, `1 call`. */
export function countedGrouped(count: number, singular: string, plural?: string): string {
  return `${groupedDigits(count)} ${pluralNoun(count, singular, plural)}`;
}
