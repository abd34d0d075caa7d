/** Whether an Asterisk extension name matches a dialled extension as Asterisk matches it: `_` patterns (X, Z, N,
 * [..], `.`, `!`) or literally. For tests that read the shipped dialplan snippets. */
export function extensionMatches(name: string, exten: string): boolean {
  if (!name.startsWith('_')) return name === exten;
  const source = name.slice(1).replace(/\[[^\]]*\]|./g, (c) => {
    if (c.startsWith('[')) return c.replace(/[\\^]/g, '\\$&');
    return { X: '[0-9]', Z: '[1-9]', N: '[2-9]', '.': '.+', '!': '.*' }[c.toUpperCase()] ?? c.replace(/[.*+?^${}()|\\/]/g, '\\$&');
  });
  return new RegExp(`^${source}$`, 's').test(exten);
}
