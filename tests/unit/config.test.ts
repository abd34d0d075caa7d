import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config.js';
import { redactUrl } from '../../src/cli/context.js';

/** The problems `load` throws as a ConfigError; none when it loads. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

/** No file: defaults plus the given environment. */
const fromEnv = (env: Record<string, string>) => loadConfig({ file: null, env, cwd: '/nonexistent' }).config;

function problems(env: Record<string, string>): string[] {
  try {
    fromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('enables a PBX adapter from the environment alone, as the README\'s quick start does', () => {
    expect(fromEnv({}).ari.enabled).toBe(false);
    const config = fromEnv({ CHUT_ARI_ENABLED: 'true', CHUT_ARI_URL: 'http://127.0.0.1:8088', CHUT_ARI_USER: 'chut', CHUT_ARI_PASSWORD: 'pw' });
    expect(config.ari).toMatchObject({ enabled: true, url: 'http://127.0.0.1:8088', user: 'chut', password: 'pw' });
    expect(fromEnv({ CHUT_AMI_ENABLED: 'yes' }).ami.enabled).toBe(true);
    expect(fromEnv({ CHUT_ESL_ENABLED: '1' }).esl.enabled).toBe(true);
    expect(fromEnv({ CHUT_ESL_ENABLED: 'off' }).esl.enabled).toBe(false);
  });

  it('refuses a switch that is neither on nor off, naming the variable and every word it takes', () => {
    // the environment takes yes/no, on/off and 1/0 too: "must be true or false" sent people to a value they had not
    // needed to change
    expect(problems({ CHUT_AMI_ENABLED: 'maybe' })).toEqual(['ami.enabled: must be true or false, yes or no, on or off, 1 or 0 (from CHUT_AMI_ENABLED)']);
    expect(problems({ CHUT_ARI_ENABLED: ' Y ', CHUT_ESL_ENABLED: 'enabled' })).toEqual([
      'ari.enabled: must be true or false, yes or no, on or off, 1 or 0 (from CHUT_ARI_ENABLED)',
      'esl.enabled: must be true or false, yes or no, on or off, 1 or 0 (from CHUT_ESL_ENABLED)',
    ]);
  });

  it('refuses a port that is not a number, naming the variable instead of reporting NaN', () => {
    const text = problems({ CHUT_AMI_PORT: 'abc' }).join('\n');
    expect(text).toMatch(/^ami\.port: .*\(from CHUT_AMI_PORT\)$/m);
    expect(text).not.toContain('NaN');
    expect(fromEnv({ CHUT_HTTP_PORT: ' 8090 ' }).http.port).toBe(8090);
  });

  it('reads a number as the file does: a negative or fractional port is told what the file would be, not to drop quotes it never had', () => {
    expect(problems({ CHUT_AMI_PORT: '-1' })).toEqual(['ami.port: must be at least 1 (from CHUT_AMI_PORT)']);
    expect(problems({ CHUT_HTTP_PORT: '8787.5' })).toEqual(['http.port: must be a whole number (from CHUT_HTTP_PORT)']);
    expect(problems({ CHUT_ESL_LISTEN_PORT: '1e6' })).toEqual(['esl.listenPort: must be at most 65535 (from CHUT_ESL_LISTEN_PORT)']);
    // YAML reads `port: 8787.0` and `port: +8787` as 8787: so does the environment
    expect(fromEnv({ CHUT_HTTP_PORT: '8787.0' }).http.port).toBe(8787);
    expect(fromEnv({ CHUT_HTTP_PORT: '+8787' }).http.port).toBe(8787);
  });

  it('takes a lower-case default country', () => {
    expect(fromEnv({ CHUT_DEFAULT_COUNTRY: 'be' }).screening.defaultCountry).toBe('BE');
  });

  it('refuses a default country libphonenumber does not know (UK for GB): every national caller ID, Mum\'s included, would be invalid', () => {
    expect(problems({ CHUT_DEFAULT_COUNTRY: 'uk' })).toEqual([
      'screening.defaultCountry: "UK" is not a country code libphonenumber knows: use GB (ISO 3166-1 alpha-2: FR, BE, CH, GB, US…) (from CHUT_DEFAULT_COUNTRY)',
    ]);
    expect(problems({ CHUT_DEFAULT_COUNTRY: 'EL' }).join('\n')).toContain('"EL" is not a country code libphonenumber knows: use GR');
    expect(problems({ CHUT_DEFAULT_COUNTRY: 'EN' }).join('\n')).toContain('use GB or US (EN is a language, not a country)');
    expect(problems({ CHUT_DEFAULT_COUNTRY: 'XX' })).toEqual([
      'screening.defaultCountry: "XX" is not a country code libphonenumber knows (ISO 3166-1 alpha-2: FR, BE, CH, GB, US…) (from CHUT_DEFAULT_COUNTRY)',
    ]);
    expect(fromEnv({ CHUT_DEFAULT_COUNTRY: 'GB' }).screening.defaultCountry).toBe('GB');
  });

  it('names each variable on its own problem only', () => {
    const text = problems({ CHUT_AMI_PORT: 'abc', CHUT_LOG_LEVEL: 'chatty' }).join('\n');
    expect(text).toMatch(/^log\.level: .*\(from CHUT_LOG_LEVEL\)$/m);
    expect(text.split('\n').filter((l) => l.includes('CHUT_AMI_PORT'))).toHaveLength(1);
  });
});

describe('configuration values checked before use', () => {
  const refused = (raw: unknown): string => {
    try {
      parseConfig(raw);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.join('\n');
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses a Redis URL the client could not parse, without echoing it (it may hold a password)', () => {
    for (const url of ['redis://:Sekr3t/x@127.0.0.1:1', 'http://127.0.0.1:6379', 'localhost:6379', 'redis://', 'redis://127.0.0.1:6379/abc', 'redis://127.0.0.1:6379/1/2']) {
      const text = refused({ redis: { url } });
      expect(text).toMatch(/^redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/);
      expect(text).not.toContain('Sekr3t');
    }
    expect(parseConfig({ redis: { url: 'rediss://:p%40ss@redis.lan:6380/2' } }).redis.url).toBe('rediss://:p%40ss@redis.lan:6380/2');
  });

  it('refuses a Redis URL whose credentials cannot be decoded (every command died of "URI malformed" and a stack trace), without echoing them', () => {
    // a generated password holding a bare %: ioredis decodes the user info with decodeURIComponent, which throws
    for (const url of ['redis://:SEKRIT-50%off@127.0.0.1:6379', 'rediss://us%zzer:SEKRIT@redis.lan:6380/2']) {
      const text = refused({ redis: { url } });
      expect(text, url).toBe('redis.url: its user name or password holds a % that starts no %-escape: write % as %25');
      expect(text).not.toContain('SEKRIT');
    }
    expect(parseConfig({ redis: { url: 'redis://:SEKRIT-50%25off@127.0.0.1:6379' } }).redis.url).toBe('redis://:SEKRIT-50%25off@127.0.0.1:6379');
  });

  it('refuses an API token that cannot travel in an Authorization header (spaces, non-ASCII), without echoing it', () => {
    for (const token of ['correct horse battery staple', 'motdepassé-très-long-123', 'tab\tinside-a-long-token']) {
      const text = refused({ http: { token } });
      expect(text).toMatch(/^http\.token: must be printable ASCII with no spaces/);
      expect(text).not.toContain(token);
    }
    expect(parseConfig({ http: { token: 'Zx9-_.~!$&+=abcdefgh' } }).http.token).toBe('Zx9-_.~!$&+=abcdefgh');
  });

  it('refuses notification URLs of another scheme, without echoing them (mqtt.js would read https:// as plain mqtt://)', () => {
    const events = ['call-rejected'];
    for (const url of ['https://chut:SEKRIT@broker.example:8883', 'homeassistant.local:1883', 'chut:SEKRIT@127.0.0.1']) {
      const text = refused({ notifications: { mqtt: { url, events } } });
      expect(text).toMatch(/^notifications\.mqtt\.url: must be an mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ URL with a host/);
      expect(text).not.toContain('SEKRIT');
    }
    for (const url of ['file:///etc/passwd', 'data:,x', 'ftp://host/x']) {
      expect(refused({ notifications: { webhook: { url, events } } })).toMatch(/^notifications\.webhook\.url: must be an http:\/\/ or https:\/\/ URL/);
    }
    expect(parseConfig({ notifications: { mqtt: { url: 'mqtts://broker.lan:8883', events }, webhook: { url: 'https://hooks.example/x', events } } }).notifications.mqtt?.url).toBe('mqtts://broker.lan:8883');
  });

  it('refuses a notification URL whose credentials cannot be decoded (chut run turned that channel off), without echoing them', () => {
    const events = ['call-rejected'];
    const cases = [
      ['webhook', 'https://hook%zzuser:SEKRIT@hooks.example/x'],
      ['mqtt', 'mqtt://chut:SEKRIT-50%off@broker.lan:1883'],
    ] as const;
    for (const [channel, url] of cases) {
      const text = refused({ notifications: { [channel]: { url, events } } });
      expect(text, url).toBe(`notifications.${channel}.url: its user name or password holds a % that starts no %-escape: write % as %25`);
      expect(text).not.toContain('SEKRIT');
    }
    // a %-escape decodes: `:` and `@` in a password are written %3A and %40
    const ok = parseConfig({ notifications: { mqtt: { url: 'mqtt://chut:p%3As%40s@broker.lan', events }, webhook: { url: 'https://u:p%25w@hooks.example/x', events } } });
    expect([ok.notifications.mqtt?.url, ok.notifications.webhook?.url]).toEqual(['mqtt://chut:p%3As%40s@broker.lan', 'https://u:p%25w@hooks.example/x']);
  });

  it('refuses an ari.url that is not http(s): ws:// (every REST request would fail, 20 s of silence per call) or no scheme at all', () => {
    for (const url of ['ws://asterisk:8088', 'wss://asterisk:8089', 'localhost:8088', 'asterisk:8088', 'htpp://asterisk:8088', 'ftp://asterisk', 'http://', 'ws://chut:SEKRIT@asterisk:8088']) {
      const text = refused({ ari: { url } });
      expect(text, url).toMatch(/^ari\.url: must be an http:\/\/ or https:\/\/ URL with a host: Asterisk's http\.conf server, e\.g\. http:\/\/127\.0\.0\.1:8088/);
      expect(text).not.toContain('SEKRIT');
    }
    expect(problems({ CHUT_ARI_ENABLED: 'true', CHUT_ARI_URL: 'ws://asterisk:8088' })).toEqual([expect.stringMatching(/^ari\.url: must be an http:\/\/ .*\(from CHUT_ARI_URL\)$/)]);
    for (const url of ['http://asterisk:8088', 'https://pbx.example.org:8089', 'http://[::1]:8088', 'http://chut:pw@127.0.0.1:8088']) {
      expect(parseConfig({ ari: { url } }).ari.url).toBe(url);
    }
  });

  it('waits 150 ms for Asterisk\'s STIR/SHAKEN result unless told otherwise, 0 to 5000 ms, and never longer than ari.requestTimeoutMs', () => {
    const readMs = (ari: Record<string, unknown>): number => parseConfig({ ari }).ari.stirShakenReadMs;
    expect(readMs({})).toBe(150);
    // the default yields to a lower request timeout, as the fixed 150 ms did: such a configuration stays valid
    expect(readMs({ requestTimeoutMs: 100 })).toBe(100);
    expect(readMs({ stirShakenReadMs: 0 })).toBe(0);
    expect(readMs({ stirShakenReadMs: 1500 })).toBe(1500);
    expect(readMs({ stirShakenReadMs: 2000 })).toBe(2000);
    expect(readMs({ stirShakenReadMs: 5000, requestTimeoutMs: 5000 })).toBe(5000);
    expect(refused({ ari: { stirShakenReadMs: -1 } })).toBe('ari.stirShakenReadMs: must be at least 0');
    expect(refused({ ari: { stirShakenReadMs: 1.5 } })).toBe('ari.stirShakenReadMs: must be a whole number');
    expect(refused({ ari: { stirShakenReadMs: '300' } })).toBe('ari.stirShakenReadMs: must be a number, without quotes');
    expect(refused({ ari: { stirShakenReadMs: 5001, requestTimeoutMs: 60_000 } })).toBe('ari.stirShakenReadMs: must be at most 5000 (5 seconds)');
    expect(refused({ ari: { stirShakenReadMs: 2001 } })).toBe('ari.stirShakenReadMs: 2001 is above ari.requestTimeoutMs (2000), which bounds ' +
      'every ARI request, this read included: lower ari.stirShakenReadMs or raise ari.requestTimeoutMs');
    expect(refused({ ari: { stirShakenReadMs: 300, requestTimeoutMs: 250 } })).toMatch(/^ari\.stirShakenReadMs: 300 is above ari\.requestTimeoutMs \(250\)/);
    // a typo is still named, with the key meant
    expect(refused({ ari: { stirShakenReadMS: 300 } })).toBe('ari.stirShakenReadMS: unknown key (did you mean stirShakenReadMs?)');
  });

  it('takes a country code in either case from the file, as from CHUT_DEFAULT_COUNTRY, and says which one a file meant: a code, not a name', () => {
    // `be` was refused in the file ("write the country code in capitals") and taken from the environment
    expect(parseConfig({ screening: { defaultCountry: 'gb' } }).screening.defaultCountry).toBe('GB');
    expect(parseConfig({ screening: { defaultCountry: ' be ' } }).screening.defaultCountry).toBe('BE');
    expect(refused({ screening: { defaultCountry: 'uk' } })).toMatch(/^screening\.defaultCountry: "UK" is not a country code libphonenumber knows: use GB /);
    expect(refused({ screening: { defaultCountry: 'france' } })).toBe('screening.defaultCountry: must be a country code libphonenumber knows (ISO 3166-1 alpha-2: FR, BE, CH, GB, US…)');
    expect(parseConfig({ screening: { defaultCountry: 'XK' } }).screening.defaultCountry).toBe('XK');
  });

  it('caps every duration in milliseconds, said in the message: above 2^31-1 ms Node fires a timer after 1 ms (a "never" would fail at once)', () => {
    const caps: Array<[string, Record<string, unknown>, number, string]> = [
      ['redis.connectTimeoutMs', { redis: { connectTimeoutMs: 0 } }, 60_000, '1 minute'],
      ['screening.deadlineMs', { screening: { deadlineMs: 0 } }, 5000, '5 seconds'],
      ['captcha.firstDigitTimeoutMs', { captcha: { firstDigitTimeoutMs: 0 } }, 30_000, '30 seconds'],
      ['captcha.interDigitTimeoutMs', { captcha: { interDigitTimeoutMs: 0 } }, 10_000, '10 seconds'],
      ['ari.requestTimeoutMs', { ari: { requestTimeoutMs: 0 } }, 60_000, '1 minute'],
      ['ari.stirShakenReadMs', { ari: { requestTimeoutMs: 60_000, stirShakenReadMs: 0 } }, 5000, '5 seconds'],
      ['ami.callTimeoutMs', { ami: { callTimeoutMs: 0 } }, 86_400_000, '24 hours'],
      ['esl.inbound.silenceTimeoutMs', { esl: { inbound: { silenceTimeoutMs: 0 } } }, 3_600_000, '1 hour'],
      ['notifications.webhook.timeoutMs', { notifications: { webhook: { url: 'https://hooks.example/x', events: ['call-rejected'], timeoutMs: 0 } } }, 60_000, '1 minute'],
    ];
    for (const [path, raw, max, said] of caps) {
      const keys = path.split('.');
      const withValue = (v: number): unknown => {
        const copy = structuredClone(raw);
        let node = copy as Record<string, unknown>;
        for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
        node[keys.at(-1)!] = v;
        return copy;
      };
      expect(refused(withValue(3_000_000_000)), path).toBe(`${path}: must be at most ${max} (${said})`);
      expect(refused(withValue(max + 1)), path).toBe(`${path}: must be at most ${max} (${said})`);
      let value: unknown = parseConfig(withValue(max));
      for (const key of keys) value = (value as Record<string, unknown>)[key];
      expect(value, path).toBe(max);
    }
  });

  it('refuses a host given with its port (localhost:8787) or in brackets, naming the port setting: chut run would die of getaddrinfo', () => {
    const cases: Array<[unknown, string, string]> = [
      [{ http: { host: 'localhost:8787' } }, 'http.host', 'http.port'],
      [{ esl: { listenHost: '0.0.0.0:8084' } }, 'esl.listenHost', 'esl.listenPort'],
      [{ esl: { inbound: { host: 'freeswitch:8021' } } }, 'esl.inbound.host', 'esl.inbound.port'],
      [{ ami: { host: 'asterisk:5038' } }, 'ami.host', 'ami.port'],
      [{ redis: { sentinel: { name: 'm', hosts: [{ host: '10.0.0.11:26379', port: 26379 }] } } }, 'redis.sentinel.hosts[0].host', 'port, next to host'],
      [{ http: { host: 'http://0.0.0.0' } }, 'http.host', 'http.port'],
      [{ http: { host: '' } }, 'http.host', 'http.port'],
    ];
    for (const [raw, path, portKey] of cases) {
      expect(refused(raw)).toBe(`${path}: must be a host name or an IP address, without a port (e.g. 127.0.0.1, 0.0.0.0, ::, pbx.lan): the port is set by ${portKey}`);
    }
    expect(refused({ http: { host: '[::1]' } })).toBe('http.host: must be a host name or an IP address (an IPv6 address without brackets: ::1), without a port ' +
      '(e.g. 127.0.0.1, 0.0.0.0, ::, pbx.lan): the port is set by http.port');
    expect(problems({ CHUT_HTTP_HOST: 'localhost:8787' })).toEqual([expect.stringMatching(/^http\.host: must be a host name .*\(from CHUT_HTTP_HOST\)$/)]);
    for (const host of ['localhost', '0.0.0.0', '::', '::1', 'fe80::1%eth0', '192.168.1.10', 'pbx.example.lan', 'my_asterisk', 'chut-redis.', 'asterisk']) {
      expect(parseConfig({ http: { host }, esl: { listenHost: host, inbound: { host } }, ami: { host } }).http.host, host).toBe(host);
    }
  });

  it('takes esl.allowFrom as a list of IP addresses and CIDR ranges, loopback only by default, refusing anything else by its path', () => {
    expect(parseConfig({}).esl.allowFrom).toEqual(['127.0.0.0/8', '::1']);
    expect(parseConfig({ esl: { allowFrom: ['10.0.0.0/8', '192.168.1.20', 'fd00::/8', '::ffff:172.17.0.1'] } }).esl.allowFrom)
      .toEqual(['10.0.0.0/8', '192.168.1.20', 'fd00::/8', '::ffff:172.17.0.1']);
    expect(refused({ esl: { allowFrom: ['127.0.0.1', 'freeswitch'] } })).toBe('esl.allowFrom[1]: "freeswitch" is not an IP address or a CIDR range: ' +
      'write e.g. 192.168.1.20, 10.0.0.0/8, fd00::/8 (host names are not looked up)');
    expect(refused({ esl: { allowFrom: ['10.0.0.0/40'] } })).toBe('esl.allowFrom[0]: "10.0.0.0/40": the prefix length after / must be a number from 0 to 32');
    expect(refused({ esl: { allowFrom: [] } })).toBe('esl.allowFrom: must list at least one address or range (the default, loopback only, is ' +
      '127.0.0.0/8, ::1): an empty list would refuse every call');
    // `allowFrom: 10.0.0.0/8` in YAML, without the brackets
    expect(refused({ esl: { allowFrom: '10.0.0.0/8' } })).toBe('esl.allowFrom: must be a list of IP addresses and CIDR ranges, e.g. [127.0.0.0/8, ::1, 192.168.1.20]');
  });

  it('refuses an empty set of captcha prompts (every captcha would fail at the first call)', () => {
    expect(refused({ captcha: { prompts: {} } })).toMatch(/^captcha\.prompts: needs at least one language/);
  });

  it('says where a problem is the way the policy does: list items as [n], each unknown key, a missing value "is required"', () => {
    expect(refused({ redis: { sentinel: { name: 'm', hosts: [{ host: 'a', port: 'x' }] } } })).toMatch(/^redis\.sentinel\.hosts\[0\]\.port: /);
    expect(refused({ bogus: 1, ami: { porty: 2 } }).split('\n').sort()).toEqual(['ami.porty: unknown key (did you mean port?)', 'bogus: unknown key']);
    expect(refused({ captcha: { prompts: { fr: { retry: [], thanks: [], goodbye: [] } } } })).toBe('captcha.prompts.fr.intro: is required');
    // a Sentinel host with a typo was read without it (`prot:` said only "port: is required")
    expect(refused({ redis: { sentinel: { name: 'm', hosts: [{ host: 'a', port: 26379, prot: 1 }] } } }))
      .toBe('redis.sentinel.hosts[0].prot: unknown key (did you mean port?)');
  });

  it('suggests the known key an unknown one is a typo of (at most 2 edits), at any depth, and nothing for a key unlike any', () => {
    expect(refused({ ari: { enable: true } })).toBe('ari.enable: unknown key (did you mean enabled?)');
    expect(refused({ ari: { Enabled: true } })).toBe('ari.Enabled: unknown key (did you mean enabled?)');
    expect(refused({ esl: { inbound: { pasword: 'x' } } })).toBe('esl.inbound.pasword: unknown key (did you mean password?)');
    expect(refused({ captcha: { prompts: { fr: { intro: [], retri: [], thanks: [], goodbye: [] } } } }).split('\n'))
      .toContain('captcha.prompts.fr.retri: unknown key (did you mean retry?)');
    expect(refused({ ari: { colour: 'red' } })).toBe('ari.colour: unknown key');
    expect(refused({ http: { tokn: 'x', ip: 1 } }).split('\n').sort()).toEqual(['http.ip: unknown key', 'http.tokn: unknown key (did you mean token?)']);
  });

  it('refuses ARI credentials Asterisk could never accept, naming the setting and never echoing the value', () => {
    // Sent as HTTP Basic credentials: a control character (a secret file's final newline) is compared as sent and
    // ari.conf cannot hold one, so chut retried 401s forever after check-config said OK
    for (const [raw, path] of [[{ password: 'hunter2\n' }, 'password'], [{ password: 'hun\0ter2' }, 'password'], [{ user: 'hunter2\t' }, 'user']] as const) {
      const text = refused({ ari: raw });
      expect(text).toMatch(new RegExp(`^ari\\.${path}: must hold no control character`));
      expect(text).not.toContain('hunter2');
    }
    // Asterisk ends the user name at the first ':' of "user:password"
    expect(refused({ ari: { user: 'hunter2:admin', password: 'pw' } })).toMatch(/^ari\.user: must hold no ":"/);
    // ...and reads at most 255 bytes of it (UTF-8): "chut:" and 250 more fit, 251 do not
    expect(parseConfig({ ari: { password: 'x'.repeat(250) } }).ari.password).toHaveLength(250);
    expect(parseConfig({ ari: { password: 'é'.repeat(125) } }).ari.password).toHaveLength(125);
    for (const password of ['x'.repeat(251), 'é'.repeat(126)]) {
      expect(refused({ ari: { password } })).toBe('ari.password: with ari.user, at most 255 bytes (UTF-8) of "user:password": ' +
        'Asterisk reads no more of HTTP Basic credentials and would refuse every request');
    }
  });

  it('takes an ESL password with a secret file\'s final newline, and refuses an inner line break or a NUL', () => {
    // the auth command is one line: chut drops a final newline, but one inside changed the password sent
    expect(parseConfig({ esl: { inbound: { password: 'ClueCon\n' } } }).esl.inbound.password).toBe('ClueCon\n');
    expect(parseConfig({ esl: { inbound: { password: 'ClueCon\r\n' } } }).esl.inbound.password).toBe('ClueCon\r\n');
    for (const password of ['hunter2\nmore', 'hunter2\rmore', 'hunter2\n\n', 'hunter2\0']) {
      const text = refused({ esl: { inbound: { password } } });
      expect(text, JSON.stringify(password)).toMatch(/^esl\.inbound\.password: must hold no line break but a final one/);
      expect(text).not.toContain('hunter2');
    }
  });

  it('takes a voicemail mailbox as BOX or BOX@CONTEXT only (what VoiceMail() and the AMI adapter accept)', () => {
    expect(parseConfig({ routes: { voicemailMailbox: '100@default' } }).routes.voicemailMailbox).toBe('100@default');
    expect(parseConfig({ routes: { voicemailMailbox: '100' } }).routes.voicemailMailbox).toBe('100');
    for (const box of ['100@default@other', '@default', '100@', '100,u']) {
      expect(refused({ routes: { voicemailMailbox: box } })).toMatch(/^routes\.voicemailMailbox: a mailbox: BOX or BOX@CONTEXT/);
    }
  });

  it('takes exactly the voicemail boxes both Asterisk snippets let through, chut\'s own E.164 default box among them', () => {
    expect(parseConfig({ routes: { voicemailMailbox: '+33100000000' } }).routes.voicemailMailbox).toBe('+33100000000');
    expect(parseConfig({ routes: { voicemailMailbox: '+33100000000@default' } }).routes.voicemailMailbox).toBe('+33100000000@default');
    const accepts = (box: string) => {
      try {
        parseConfig({ routes: { voicemailMailbox: box } });
        return true;
      } catch (err) {
        if (err instanceof ConfigError) return false;
        throw err;
      }
    };
    const samples = ['100', '100@default', '+33100000000', '+33100000000@default', 'sales.box-1@my_ctx', '100@+ctx', '100@ctx+1',
      '100@default@other', '@default', '100@', '100,u', '100&200@default', '1${SHELL(id)}', 'a b', '100\r\nAction: Originate',
      'x'.repeat(64), 'x'.repeat(65), `100@${'c'.repeat(64)}`, `100@${'c'.repeat(65)}`, ''];
    for (const file of ['dialplan/asterisk/chut-ari.conf', 'dialplan/asterisk/chut-ami.conf']) {
      const found = /GotoIf\(\$\[\$\{REGEX\("([^"]+)" \$\{(?:CHUT_MAILBOX|box)\}\)\}\]\?:ring,1\)/.exec(readFileSync(file, 'utf8'));
      expect(found, file).not.toBeNull();
      const snippet = new RegExp(found?.[1] ?? '');
      for (const box of samples) expect(accepts(box), `${file}: ${JSON.stringify(box)}`).toBe(snippet.test(box));
    }
  });

  it('redacts a Redis password even when it holds @ or /', () => {
    expect(redactUrl('redis://:Sek@r3t@127.0.0.1:1')).toBe('redis://***@127.0.0.1:1');
    expect(redactUrl('redis://user:a/b@host:6379/0')).toBe('redis://***@host:6379/0');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    // ioredis also takes credentials from the query string
    expect(redactUrl('redis://127.0.0.1:6379/?username=bob&password=hunter2&db=1')).toBe('redis://127.0.0.1:6379/?username=***&password=***&db=1');
  });
});

describe('loadConfig without a config file', () => {
  it('takes the policy from ./config in a clone, else from the installed package: chut works from any directory', async () => {
    const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { packageRoot } = await import('../../src/package-root.js');
    const elsewhere = mkdtempSync(join(tmpdir(), 'chut-cwd-'));
    try {
      expect(loadConfig({ env: {}, cwd: elsewhere }).policyPath).toBe(join(packageRoot(), 'config', 'policy.yaml'));
      mkdirSync(join(elsewhere, 'config'));
      writeFileSync(join(elsewhere, 'config', 'policy.yaml'), 'version: 1\ndefault: ring\nrules: []\n');
      expect(loadConfig({ env: {}, cwd: elsewhere }).policyPath).toBe(join(elsewhere, 'config', 'policy.yaml'));
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('reads a CHUT_POLICY of the user\'s own from the working directory, never the shipped file of the same name', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const elsewhere = mkdtempSync(join(tmpdir(), 'chut-cwd-'));
    try {
      writeFileSync(join(elsewhere, 'policy.yaml'), 'version: 1\nmode: shadow\ndefault: ring\nrules: []\n');
      expect(loadConfig({ env: { CHUT_POLICY: './policy.yaml' }, cwd: elsewhere }).policyPath).toBe(join(elsewhere, 'policy.yaml'));
      expect(loadConfig({ env: { CHUT_POLICY: 'mine.yaml' }, cwd: elsewhere }).policyPath).toBe(join(elsewhere, 'mine.yaml'));
      // with a config file, relative to the file, as documented
      writeFileSync(join(elsewhere, 'chut.yaml'), 'store: memory\n');
      expect(loadConfig({ env: { CHUT_POLICY: 'p.yaml', CHUT_CONFIG: join(elsewhere, 'chut.yaml') }, cwd: '/' }).policyPath).toBe(join(elsewhere, 'p.yaml'));
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

it('caps reputation.trustDays at 365: the Redis key that holds the trust lives 400 days after the latest call', () => {
  expect(parseConfig({ reputation: { trustDays: 365 } }).reputation.trustDays).toBe(365);
  expect(() => parseConfig({ reputation: { trustDays: 1000 } })).toThrow(/reputation\.trustDays/);
});

describe('loadConfig with a config file and the environment', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'chut-cfg-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The problems loading `yaml` as the config file with `env` raises; none when it loads. */
  const refusedWith = (yaml: string, env: Record<string, string>): string[] => {
    writeFileSync(join(dir, 'chut.yaml'), yaml);
    try {
      loadConfig({ file: join(dir, 'chut.yaml'), env, cwd: dir });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };
  const loaded = (yaml: string, env: Record<string, string>) => {
    writeFileSync(join(dir, 'chut.yaml'), yaml);
    return loadConfig({ file: join(dir, 'chut.yaml'), env, cwd: dir }).config;
  };

  it('reads a port from the environment exactly as the file reads it, YAML 1.2\'s hex and octal included (CHUT_HTTP_PORT=0x1F90 is 8080)', () => {
    const fromFile = (text: string) => problemsOf(() => loaded(`http:\n  port: ${text}\n`, {})).map((p) => `${p} (from CHUT_HTTP_PORT)`);
    const port = (load: () => { http: { port: number } }) => { try { return load().http.port; } catch { return undefined; } };
    const forms = ['0x1F90', '0x1f90', '0o17', '017', '8080', '+8080', '8080.0', '1e3', '.5e1', '1.',
      // what YAML 1.2 reads as text (or not as a port) in the file stays refused from the environment
      '-0x10', '0X1F', '0b101', '0o8', '0x', '1_000', '8_080', '.inf', '.nan', 'true', 'null', '~', 'abc', '-1', '70000', '8080.5'];
    for (const form of forms) {
      const env = { CHUT_HTTP_PORT: form };
      expect(problemsOf(() => fromEnv(env)), form).toEqual(fromFile(form));
      expect(port(() => fromEnv(env)), form).toBe(port(() => loaded(`http:\n  port: ${form}\n`, {})));
    }
    expect(fromEnv({ CHUT_HTTP_PORT: '0x1F90' }).http.port).toBe(8080);
    expect(fromEnv({ CHUT_AMI_PORT: ' 0o17 ' }).ami.port).toBe(15); // spaces around it, as around a decimal one
    expect(fromEnv({ CHUT_ESL_LISTEN_PORT: '0x2014' }).esl.listenPort).toBe(8212);
    // text is still refused with the file's words, naming the variable
    expect(problems({ CHUT_AMI_PORT: 'chut' })).toEqual(['ami.port: must be a number (from CHUT_AMI_PORT)']);
  });

  it('refuses a section the file gives as a plain value (ari: true, redis: URL) even when a variable sets one of its keys', () => {
    // the secrets in the environment, as the docs advise: the file's `ari: true` was dropped and ARI stayed off
    expect(refusedWith('ari: true\n', { CHUT_ARI_PASSWORD: 'pw' })).toEqual([expect.stringMatching(/^ari: /)]);
    // and chut went to the default Redis, 127.0.0.1, instead of the one the file named
    expect(refusedWith('redis: redis://10.0.0.5:6379\n', { CHUT_REDIS_PREFIX: 'home:' })).toEqual([expect.stringMatching(/^redis: /)]);
  });

  it('refuses an empty section (every key below it commented out) the same way whatever the environment holds: the mistake is the file\'s', () => {
    const empty = (section: string) => `${section}: is empty: give its settings on the lines below it, indented, or leave the section out`;
    // check-config in a shell refused the file; the service, with CHUT_REDIS_URL in its environment, took it
    expect(refusedWith('redis:\n', {})).toEqual([empty('redis')]);
    expect(refusedWith('redis:\n', { CHUT_REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual([empty('redis')]);
    expect(refusedWith('ari:\n', { CHUT_ARI_ENABLED: 'true', CHUT_ARI_PASSWORD: 'pw' })).toEqual([empty('ari')]);
    expect(refusedWith('http:\n', { CHUT_HTTP_PORT: '8080' })).toEqual([empty('http')]);
    expect(refusedWith('esl:\n  inbound:\n', { CHUT_ESL_PASSWORD: 'pw' })).toEqual([empty('esl.inbound')]);
    // the environment still fills in a section the file leaves out, or gives other keys of
    expect(loaded('store: redis\n', { CHUT_REDIS_URL: 'redis://10.0.0.5:6379' }).redis.url).toBe('redis://10.0.0.5:6379');
    expect(loaded('redis:\n  prefix: "home:"\n', { CHUT_REDIS_URL: 'redis://10.0.0.5:6379' }).redis)
      .toMatchObject({ url: 'redis://10.0.0.5:6379', prefix: 'home:' });
  });

  it('refuses a bad value in the file even where a variable overrides it, saying so: the same file is refused without the variable', () => {
    const overridden = (problem: string, variable: string) => `${problem} (the file's value, overridden by ${variable})`;
    // the image sets CHUT_HTTP_HOST: a host with its port in the file passed there, and failed in a shell
    expect(refusedWith('http:\n  host: localhost:8787\n  port: 99999\n', { CHUT_HTTP_HOST: '0.0.0.0', CHUT_HTTP_PORT: '8787' })).toEqual([
      overridden('http.host: must be a host name or an IP address, without a port (e.g. 127.0.0.1, 0.0.0.0, ::, pbx.lan): the port is set by http.port', 'CHUT_HTTP_HOST'),
      overridden('http.port: must be at most 65535', 'CHUT_HTTP_PORT'),
    ]);
    // a secret is refused without being echoed, the file's as the variable's
    const secret = refusedWith('ari:\n  password: "hunter2\\n"\nredis:\n  url: "redis://:hunter2%zz@10.0.0.5"\n',
      { CHUT_ARI_PASSWORD: 'pw', CHUT_REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(secret).toEqual([expect.stringMatching(/^redis\.url: .*, overridden by CHUT_REDIS_URL\)$/), expect.stringMatching(/^ari\.password: .*, overridden by CHUT_ARI_PASSWORD\)$/)]);
    expect(secret.join('\n')).not.toContain('hunter2');
    // the file's problem and the variable's are each said
    expect(refusedWith('ami:\n  port: 0\n', { CHUT_AMI_PORT: 'abc' })).toEqual([
      overridden('ami.port: must be at least 1', 'CHUT_AMI_PORT'),
      expect.stringMatching(/^ami\.port: must be a number.*\(from CHUT_AMI_PORT\)$/),
    ]);
    // a switch: the file's YAML takes only true or false, the variable more words, and each is told its own
    expect(refusedWith('ami:\n  enabled: yes\n', { CHUT_AMI_ENABLED: 'maybe' })).toEqual([
      overridden('ami.enabled: must be true or false: YAML reads yes as text, not as a switch', 'CHUT_AMI_ENABLED'),
      'ami.enabled: must be true or false, yes or no, on or off, 1 or 0 (from CHUT_AMI_ENABLED)',
    ]);
    expect(refusedWith('ami:\n  enabled: maybe\n', {})).toEqual(['ami.enabled: must be true or false']);
    // a good value in the file is overridden as before
    expect(loaded('http:\n  port: 8080\nami:\n  port: 5038\n', { CHUT_HTTP_PORT: '8787', CHUT_AMI_PORT: '5039' })).toMatchObject({ http: { port: 8787 }, ami: { port: 5039 } });
  });

  it('checks ari.user and ari.password together (one HTTP Basic header, 255 bytes) as chut uses them and as the file has them, saying where each came from', () => {
    const TOO_LONG = 'ari.password: with ari.user, at most 255 bytes (UTF-8) of "user:password": Asterisk reads no more of HTTP Basic ' +
      'credentials and would refuse every request';
    const user = 'u'.repeat(200);
    const password = 'hunter2-'.repeat(12); // 96 characters: with the 200 of the user, 297 bytes
    const fileWithBoth = `ari:\n  user: ${user}\n  password: ${password}\n`;
    expect(refusedWith(fileWithBoth, {})).toEqual([TOO_LONG]);
    // the file refused in a shell was taken by a service whose environment replaces either of the two
    expect(refusedWith(fileWithBoth, { CHUT_ARI_PASSWORD: 'pw' })).toEqual([`${TOO_LONG} (the file's values, overridden by CHUT_ARI_PASSWORD)`]);
    expect(refusedWith(fileWithBoth, { CHUT_ARI_USER: 'chut' })).toEqual([`${TOO_LONG} (the file's values, overridden by CHUT_ARI_USER)`]);
    expect(refusedWith(fileWithBoth, { CHUT_ARI_USER: 'chut', CHUT_ARI_PASSWORD: 'pw' }))
      .toEqual([`${TOO_LONG} (the file's values, overridden by CHUT_ARI_USER and CHUT_ARI_PASSWORD)`]);
    // the file's password is checked with the file's user, not the default one: valid alone, it stays valid
    const shortUser = `ari:\n  user: ab\n  password: ${'x'.repeat(251)}\n`;
    expect(loaded(shortUser, {}).ari.password).toHaveLength(251);
    expect(loaded(shortUser, { CHUT_ARI_PASSWORD: 'pw' }).ari).toMatchObject({ user: 'ab', password: 'pw' });
    // the values chut would send are checked, each said where it came from (the problem is on ari.password, the user may be the cause)
    expect(refusedWith(`ari:\n  password: ${password}\n`, { CHUT_ARI_USER: user }))
      .toEqual([`${TOO_LONG} (ari.user from CHUT_ARI_USER, ari.password from the file)`]);
    expect(refusedWith(`ari:\n  user: ${user}\n`, { CHUT_ARI_PASSWORD: password }))
      .toEqual([`${TOO_LONG} (ari.user from the file, ari.password from CHUT_ARI_PASSWORD)`]);
    expect(refusedWith('log:\n  level: info\n', { CHUT_ARI_USER: user, CHUT_ARI_PASSWORD: password }))
      .toEqual([`${TOO_LONG} (ari.user from CHUT_ARI_USER, ari.password from CHUT_ARI_PASSWORD)`]);
    expect(problems({ CHUT_ARI_PASSWORD: 'x'.repeat(251) })).toEqual([`${TOO_LONG} (ari.user left at its default, ari.password from CHUT_ARI_PASSWORD)`]);
    for (const env of [{ CHUT_ARI_PASSWORD: 'pw' }, { CHUT_ARI_USER: user, CHUT_ARI_PASSWORD: password }] as Array<Record<string, string>>) {
      expect(refusedWith(fileWithBoth, env).join('\n')).not.toContain('hunter2');
    }
  });

  it('refuses a bad value in the file a command-line flag overrides too, naming the flag, and a bad flag by its name', () => {
    writeFileSync(join(dir, 'chut.yaml'), 'redis:\n  url: "localhost:6379"\n');
    const load = (url: string, env: Record<string, string>) => problemsOf(() => loadConfig({
      file: join(dir, 'chut.yaml'), env, cwd: dir, overrides: { redis: { url } }, overrideNames: { 'redis.url': '--redis' },
    }));
    const URL_PROBLEM = 'redis.url: must be a redis:// or rediss:// URL: redis://[:password@]host[:port][/db number] (special characters in the password %-encoded)';
    // `chut lookup --redis URL` ran on the file `chut check-config` refused
    expect(load('redis://127.0.0.1:6379', {})).toEqual([`${URL_PROBLEM} (the file's value, overridden by --redis)`]);
    // the flag, not the variable it also overrides, replaces the file's value
    expect(load('redis://127.0.0.1:6379', { CHUT_REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual([`${URL_PROBLEM} (the file's value, overridden by --redis)`]);
    expect(load('localhost:6379', {})).toEqual([`${URL_PROBLEM} (the file's value, overridden by --redis)`, `${URL_PROBLEM} (from --redis)`]);
  });
});
