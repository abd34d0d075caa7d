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

describe('a value of the wrong kind (what YAML made of what was typed)', () => {
  it('says what to write, and the YAML slip behind it: yes for true, digits unquoted, a section on one line', () => {
    expect(problems({ ari: { enabled: 'yes' } })).toEqual(['ari.enabled: must be true or false: YAML reads yes as text, not as a switch']);
    expect(problems({ ami: { enabled: 'maybe' } })).toEqual(['ami.enabled: must be true or false']);
    // voicemailMailbox: 100 and password: 123456, unquoted
    expect(problems({ routes: { voicemailMailbox: 100 } })).toEqual(['routes.voicemailMailbox: must be text: put it in quotes (\'100\'), or YAML reads the digits as a number']);
    expect(problems({ ari: { password: 123456 } })).toEqual(['ari.password: must be text: put it in quotes (\'100\'), or YAML reads the digits as a number']);
    expect(problems({ ari: { password: null } })).toEqual(['ari.password: is empty: give a value, or leave the key out']);
    expect(problems({ http: { port: '8787' } })).toEqual(['http.port: must be a number, without quotes']);
    expect(problems({ http: { port: 8787.5 } })).toEqual(['http.port: must be a whole number']);
    expect(problems({ ari: true })).toEqual(['ari: must be a section: its settings on the lines below it, indented, not a value on its own line']);
    // "ari:" then "  enabled:true", which YAML reads as the text "enabled:true"
    expect(problems({ ari: 'enabled:true' })).toEqual(['ari: must be a section, and YAML read its lines as one text: a key needs a space after its colon (enabled: true, not enabled:true)']);
    expect(problems({ ari: 'password:Sekr1t' }).join('\n')).not.toContain('Sekr1t');
    // a value given for the section itself is no key of it, whatever its colons: a URL, a host and port
    const onItsOwnLine = 'must be a section: its settings on the lines below it, indented, not a value on its own line';
    expect(problems({ redis: 'redis://10.0.0.5:6379' })).toEqual([`redis: ${onItsOwnLine}`]);
    expect(problems({ ari: 'localhost:8088' })).toEqual([`ari: ${onItsOwnLine}`]);
    expect(problems({ redis: 'url:redis://10.0.0.5:6379' })).toEqual([expect.stringMatching(/^redis: .*a key needs a space after its colon/)]);
    // `ari:` with every line below it commented out: nothing to read, not a value
    expect(problems({ ari: null })).toEqual(['ari: is empty: give its settings on the lines below it, indented, or leave the section out']);
    expect(problems({ notifications: { webhook: { url: 'http://x', events: 'call-rejected' } } }))
      .toEqual(['notifications.webhook.events: must be a list: [a, b], or one "- item" a line below it']);
  });

  it('says a bound or a choice in words, never the validator\'s ">=" or "|"', () => {
    expect(problems({ captcha: { length: 10, attempts: 0 } })).toEqual(['captcha.length: must be at most 8', 'captcha.attempts: must be at least 1']);
    expect(problems({ reputation: { trustDays: 0 } })).toEqual(['reputation.trustDays: must be more than 0']);
    expect(problems({ http: { token: 'short' } })).toEqual(['http.token: must be at least 16 characters long']);
    expect(problems({ log: { level: 'warning' } })).toEqual(['log.level: "warning" is not one of fatal, error, warn, info, debug, trace, silent']);
    // a secret of the wrong kind is never echoed
    expect(problems({ ari: { password: 'x'.repeat(3), enabled: 'SEKRIT' } }).join('\n')).not.toContain('SEKRIT');
  });
});
