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

describe('settings with a format', () => {
  /** Every string setting given a value no format takes (a space, a `!`): each message must say what is allowed. */
  const BAD = 'not valid!';
  function everyStringBad(value: unknown): unknown {
    if (typeof value === 'string') return BAD;
    if (Array.isArray(value)) return value.map(everyStringBad);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everyStringBad(v)]));
    return value;
  }

  it('say in words what they take, never a raw regex (ari.app, captcha.language, esl.soundPrefix, mqtt.topicPrefix…)', () => {
    const raw = everyStringBad({
      ...parseConfig({}),
      redis: { sentinel: { name: 'x', hosts: [{ host: 'x', port: 1 }] } },
      esl: { ...parseConfig({}).esl, sounds: { digits: 'x' }, ringTransfer: { extension: 'x', context: 'x' } },
      notifications: { webhook: { url: 'x', events: ['call-rejected'] }, mqtt: { url: 'x', events: ['call-rejected'], topicPrefix: 'x' } },
    }) as Record<string, unknown>;
    const found = problems(raw);
    for (const path of ['ari.app', 'captcha.language', 'esl.soundPrefix', 'esl.voicemail.type', 'notifications.mqtt.topicPrefix']) {
      expect(found.some((p) => p.startsWith(`${path}: `)), path).toBe(true);
    }
    expect(found.filter((p) => /pattern|\/\^|Invalid string|: Invalid input$/.test(p))).toEqual([]);
  });

  it('name the captcha language they want, and the ARI app as the dialplan writes it', () => {
    expect(problems({ captcha: { language: 'FR' } })).toEqual([
      'captcha.language: must be a two-letter language code in lower case (fr, en, de…), as Asterisk names its sound folders',
    ]);
    expect(problems({ ari: { app: 'my app' } })).toEqual([
      'ari.app: must be 1 to 32 characters, letters, digits, _ and - only: the name in the dialplan\'s Stasis(…)',
    ]);
  });
});
