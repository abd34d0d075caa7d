/** Prefix sets compiled once: one Set probe per distinct prefix length, longest first. */
export type PrefixMatcher = (text: string) => string | null;

export function compilePrefixes(prefixes: readonly string[]): PrefixMatcher {
  const set = new Set(prefixes);
  const lengths = [...new Set(prefixes.map((p) => p.length))].sort((a, b) => b - a);
  return (text) => {
    for (const len of lengths) {
      if (len > text.length) continue;
      const head = text.slice(0, len);
      if (set.has(head)) return head;
    }
    return null;
  };
}
