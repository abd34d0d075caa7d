import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/yaml-text.js';

const problem = (text: string): string => {
  const r = parseYamlText(text);
  if (!('problem' in r)) throw new Error(`expected a problem, got ${JSON.stringify(r.value)}`);
  return r.problem;
};

describe('reading an administrator\'s YAML strictly', () => {
  it('reads ordinary YAML, anchors included', () => {
    expect(parseYamlText('a: &x [1, 2]\nb: *x\nc: "!quoted"\n')).toEqual({ value: { a: [1, 2], b: [1, 2], c: '!quoted' } });
  });

  it('refuses an unquoted value starting with ! (a YAML tag the library would silently turn into "") without quoting it', () => {
    const p = problem('ari:\n  password: !Passw0rd\n');
    expect(p).toBe('not valid YAML at line 2, column 13: a value starting with ! is read as a YAML tag: quote it');
    expect(p).not.toContain('Passw0rd');
  });

  it('refuses an unquoted value starting with * (an alias) without quoting it', () => {
    const p = problem('ari:\n  password: *Passw0rd\n');
    expect(p).toMatch(/alias: quote it/);
    expect(p).not.toContain('Passw0rd');
  });

  it('refuses duplicate keys, syntax errors and alias bombs, with a position where there is one', () => {
    expect(problem('a: 1\na: 2\n')).toBe('not valid YAML at line 2, column 1: a key appears twice in the same mapping');
    expect(problem('a: [1, 2\n')).toMatch(/^not valid YAML at line \d+, column \d+: /);
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 8 }, (_, i) => {
      const [name, prev] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
      return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`;
    })].join('\n');
    expect(problem(bomb)).toMatch(/too many aliases/);
  });
});
