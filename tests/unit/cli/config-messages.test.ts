/** Configuration errors a user meets from the command line read as sentences, not as the validator's internals. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('redis.prefix errors', () => {
  it('say the limit (32 characters) and the characters allowed, never a raw regex', () => {
    const long = problems({ redis: { prefix: `chut-${'x'.repeat(35)}:` } });
    expect(long).toEqual(['redis.prefix: is 41 characters long: must be 1 to 32 characters, letters, digits and _ : . - only (e.g. chut: or chut-home:)']);
    const bad = problems({ redis: { prefix: 'chut home:' } });
    expect(bad).toEqual(['redis.prefix: must be 1 to 32 characters, letters, digits and _ : . - only (e.g. chut: or chut-home:)']);
    expect([...long, ...bad, ...problems({ redis: { prefix: '' } })].join('\n')).not.toMatch(/pattern|\/\^/);
    expect(problems({ redis: { prefix: `${'x'.repeat(31)}:` } })).toEqual([]);
  });
});
