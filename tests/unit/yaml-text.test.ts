import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_YAML_BYTES, parseYamlText, plainScalarValue, readYamlFile } from '../../src/yaml-text.js';

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

  it('refuses a second document (---) instead of dropping all after it, and prints nothing itself', () => {
    const printed = [vi.spyOn(process, 'emitWarning'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'error'), vi.spyOn(console, 'log'), vi.spyOn(process.stderr, 'write')];
    try {
      const policy = 'version: 1\nmode: enforce\ntimezone: Europe/Paris\ndefault: ring\n---\n# the rules\nrules:\n  - name: blocklist\n    when: { list: block }\n    action: reject\n';
      expect(problem(policy)).toBe('not valid YAML at line 5, column 1: a second YAML document starts here (---): a file holds one document; remove the --- line');
      expect(problem('a: 1\n---\n')).toMatch(/^not valid YAML at line 2, column 1: a second YAML document/);
      expect(problem('a: 1\n...\n---\nb: 2\n')).toMatch(/^not valid YAML at line 3, column 1: a second YAML document/);
      // what yaml would only warn about, and a collection as a key, print nothing either
      expect(problem('a: !Secret x\n')).toMatch(/YAML tag/);
      expect(parseYamlText('? [a, b]\n: 1\n')).toEqual({ value: { '[ a, b ]': 1 } });
      for (const spy of printed) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of printed) spy.mockRestore();
    }
    // a document start marker on its own, or an end marker, is one document
    expect(parseYamlText('---\na: 1\n')).toEqual({ value: { a: 1 } });
    expect(parseYamlText('a: 1\n...\n')).toEqual({ value: { a: 1 } });
  });

  it('refuses a %YAML 1.1 directive, which would read on/yes as true and 0b1111 as 15 where an environment variable and every other file read them as YAML 1.2', () => {
    expect(problem('%YAML 1.1\n---\nhttp:\n  port: 0b1111\n')).toBe('not valid YAML at line 1, column 1: a %YAML 1.1 directive: ' +
      'chut reads YAML 1.2 only (where on, yes and 0b1111 are text, not true or 15): remove the line');
    expect(problem('# chut\n%YAML 1.1\n---\non: 1\n')).toMatch(/^not valid YAML at line 2, column 1: a %YAML 1.1 directive/);
    expect(parseYamlText('%YAML 1.2\n---\nport: 0b1111\n')).toEqual({ value: { port: '0b1111' } });
  });

  it('refuses a text over 1 MiB, counted in bytes, before parsing it', () => {
    const tooLarge = 'larger than 1 MiB, far more than any configuration or policy needs: is it the right file?';
    expect(MAX_YAML_BYTES).toBe(1024 * 1024);
    expect(problem(`#${' '.repeat(MAX_YAML_BYTES)}`)).toBe(tooLarge);
    expect(problem(`# ${'é'.repeat(MAX_YAML_BYTES / 2)}`)).toBe(tooLarge); // fewer characters than bytes
    expect(parseYamlText(`a: 1\n#${' '.repeat(MAX_YAML_BYTES - 7)}`)).toEqual({ value: { a: 1 } });
  });

  it('reads at most 1 MiB of a file: a larger one, or a device named by mistake, is refused, not read whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chut-yaml-'));
    try {
      const big = join(dir, 'big.yaml');
      writeFileSync(big, `a: 1\n#${' '.repeat(MAX_YAML_BYTES)}`);
      expect(readYamlFile(big)).toEqual({ problem: expect.stringMatching(/^larger than 1 MiB/) });
      expect(readYamlFile('/dev/zero')).toEqual({ problem: expect.stringMatching(/^larger than 1 MiB/) });
      const small = join(dir, 'small.yaml');
      writeFileSync(small, 'a: é\n');
      expect(readYamlFile(small)).toEqual({ text: 'a: é\n' });
      expect(() => readYamlFile(join(dir, 'missing.yaml'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('locates the first error of a long line full of them, as in a short one (yaml\'s prettyErrors scanned the line once per error: hours)', () => {
    // 200 000 errors on one 200 KB line: a file named by mistake, or a hostile one, is refused, not read for hours
    expect(problem(']'.repeat(200_000))).toBe('not valid YAML at line 1, column 1: unexpected token');
    expect(problem(`a: 1\nb: ${'}'.repeat(200_000)}\n`)).toBe('not valid YAML at line 2, column 4: unexpected token');
    // a warning is located the same way
    expect(problem('a: 1\nb: !Secret x\n')).toBe('not valid YAML at line 2, column 4: a value starting with ! is read as a YAML tag: quote it');
  });

  it('finds a key repeated in a mapping of many keys, at its line, as in a small one', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`);
    expect(parseYamlText(keys.join('\n'))).toEqual({ value: Object.fromEntries(keys.map((_, i) => [`k${i}`, i])) });
    expect(problem(`${keys.join('\n')}\nk7: again\n`)).toBe('not valid YAML at line 20001, column 1: a key appears twice in the same mapping');
    expect(problem('outer:\n  - { a: 1, b: 2, a: 3 }\n')).toBe('not valid YAML at line 2, column 19: a key appears twice in the same mapping');
    // the same equality as yaml's: a scalar by its value (1 and "1" differ), null keys alike
    expect(parseYamlText('1: a\n"1": b\n')).toEqual({ value: { 1: 'b' } });
    expect(problem('? \n: a\n? \n: b\n')).toMatch(/a key appears twice/);
  });
});

describe('the slips of a hand-edited file', () => {
  it('are said as what to change, where the parser says only its code ("bad indent", "tab as indent")', () => {
    expect(problem('version: 1\nrules:\n  - name: x\n  when: { list: block }\n')).toBe('not valid YAML at line 4, column 1: this line is not ' +
      'indented as the lines above expect: the keys of one section line up, two spaces in from the section\'s name');
    expect(problem('ari:\n\turl: x\n')).toBe('not valid YAML at line 2, column 1: a tab indents this line: YAML indents with spaces only');
    expect(problem('ari:\n  enabled: true\n   url: x\n')).toMatch(/: a key's value is followed by a line indented further in \(line it up with the keys above\), or a value holds ": " \(put it in quotes\)$/);
    expect(problem('ari:\n  password: a: b\n')).toMatch(/^not valid YAML at line 2, column \d+: a key's value is followed by/);
    expect(problem('ari:\n  password: "abc\n')).toMatch(/: a quote, \[ or \{ opened before is not closed$/);
    const p = problem('ari:\n  password: %Passw0rd\n');
    expect(p).toBe('not valid YAML at line 2, column 13: a value starting with % @ or ` must be put in quotes');
    expect(p).not.toContain('Passw0rd');
  });
});

describe('a value read as the file would read it unquoted (plainScalarValue)', () => {
  it('is what parseYamlText gives for `key: VALUE`, numbers in every YAML 1.2 form, switches, null and text alike', () => {
    const values = ['8080', '+8080', '-1', '017', '0x1F90', '0x1f90', '0o17', '8080.0', '1.', '.5', '1e3', '-2.5E-1', '.inf', '-.Inf', '.NaN',
      '0X1F', '-0x10', '0b101', '0o8', '0x', '1_000', '1e', 'true', 'False', 'yes', 'null', '~', 'Null', 'chut', '127.0.0.1'];
    for (const text of values) {
      const inFile = parseYamlText(`key: ${text}\n`);
      if (!('value' in inFile)) throw new Error(`${text}: ${inFile.problem}`);
      expect(plainScalarValue(text), text).toStrictEqual((inFile.value as { key: unknown }).key);
    }
    expect(plainScalarValue('0x1F90')).toBe(8080);
    expect(plainScalarValue('0o17')).toBe(15);
  });

  it('takes the text as it is: YAML\'s quotes and comments are not read, nor spaces around it', () => {
    expect(plainScalarValue('8080 # port')).toBe('8080 # port');
    expect(plainScalarValue('"8080"')).toBe('"8080"');
    expect(plainScalarValue(' 8080')).toBe(' 8080');
  });
});
