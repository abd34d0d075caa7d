/**
 * chut's configuration: one validated schema. Precedence: defaults < file < environment < overrides (CLI
 * flags). Parsed once, frozen; every error is reported at once with its path. Imports nothing of ours.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from './package-root.js';
import { parseYamlText, plainScalarValue, readYamlFile } from './yaml-text.js';
import { formatIssue } from './validation-issues.js';
import { urlCredentialsReadable } from './url-credentials.js';
import { VOICEMAIL_BOX } from './voicemail-box.js';
import { INSTANCE_NAME } from './notify/mqtt-status.js';
import { allowFromEntryProblem, LOOPBACK_ALLOW_FROM } from './peer-allow-list.js';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { HOUR_MS } from './time-units.js';
import { CONTROL_CHARACTER } from './control-character.js';
import { CREDENTIAL_MAX_CHARS } from './ami/values.js';

const port = z.number().int().min(1).max(65535);
/** A port chut listens on: 0 picks any free port (tests). */
const listenPort = z.number().int().min(0).max(65535);
/** Dialplan names (contexts, extensions, labels) chut writes into protocol frames: a safe subset only. */
const dialplanName = z.string().regex(/^[A-Za-z0-9_.+*#-]{1,64}$/, 'letters, digits and _ . + * # - only (max 64)');
const soundName = z.string().regex(/^[A-Za-z0-9_/.-]{1,128}$/, 'a sound file name: letters, digits, _ / . - only');
const FREESWITCH_PATH_CHARS = 'letters, digits, _ / . - : and ${…} variables only';
const freeswitchSound = z.string().regex(/^[A-Za-z0-9_/.${}:-]{1,200}$/, `a FreeSWITCH sound path without .wav: ${FREESWITCH_PATH_CHARS}`);
const eventName = z.enum(['call-rejected', 'captcha-failed', 'voicemail-routed', 'number-auto-blocked']);

const promptSet = z.object({
  /** Played before the digits: "to reach your party, please type the following digits". */
  intro: z.array(soundName).min(1),
  /** Played before each retry. */
  retry: z.array(soundName),
  /** Played on success, before ringing. */
  thanks: z.array(soundName),
  /** Played on final failure, before the failure route. */
  goodbye: z.array(soundName),
}).strict();

const rejectStyle = z.enum(['sit', 'busy', 'congestion', 'sip-607', 'sip-603']);
/** `text` for a credential that travels in a header line, where a control character (a secret file's final newline,
 * invisible) cannot go: refused with `why`, never echoing the value. */
const headerCredential = (text: z.ZodString, why: string) => text.refine((v) => !CONTROL_CHARACTER.test(v),
  `must hold no control character (CR, LF, tab, NUL…; a secret read from a file may end with a newline): ${why}`);

/** The AMI user name and password travel in one header line of the Login action, whose writer (src/ami/values.ts,
 * `credential`) refuses a control character or more than CREDENTIAL_MAX_CHARS: said here, with the setting's path,
 * instead of `chut run` failing on its first line. */
const amiCredential = headerCredential(
  z.string().max(CREDENTIAL_MAX_CHARS, `at most ${CREDENTIAL_MAX_CHARS} characters (it travels in one AMI header line)`),
  'it travels in one AMI header line');

/** ARI's user name and password travel as HTTP Basic credentials, which Asterisk decodes into at most 255 bytes of
 * "user:password" and splits at the first ':' (main/http.c, ast_http_get_auth). A value past either limit, or with a
 * control character (a secret file's final newline, invisible), was sent all the same: every request got a 401 whose
 * "check ari.user / ari.password" did not say why. Said here instead, never echoing the value. */
const ARI_BASIC_MAX_BYTES = 255;
const ariCredential = (part: string) => headerCredential(z.string(),
  `Asterisk would take it as part of the ${part} and refuse every ARI request (401)`);
const ARI_CREDENTIALS_TOO_LONG = `with ari.user, at most ${ARI_BASIC_MAX_BYTES} bytes (UTF-8) of "user:password": Asterisk reads ` +
  'no more of HTTP Basic credentials and would refuse every request';

function ariCredentialsFit(ari: { user: string; password: string }, ctx: z.core.$RefinementCtx): void {
  if (Buffer.byteLength(`${ari.user}:${ari.password}`) <= ARI_BASIC_MAX_BYTES) return;
  ctx.addIssue({ code: 'custom', path: ['password'], message: ARI_CREDENTIALS_TOO_LONG });
}

/** Settings one check reads together, and the problem it reports (said at one of them: it may be the other's fault). */
interface CheckedTogether {
  paths: readonly string[];
  problem: string;
}
const CHECKED_TOGETHER: readonly CheckedTogether[] = [
  { paths: ['ari.user', 'ari.password'], problem: `ari.password: ${ARI_CREDENTIALS_TOO_LONG}` },
];
const checkedTogether = (problem: string) => CHECKED_TOGETHER.find((group) => problem.startsWith(group.problem));

/** FreeSWITCH reads `auth <password>` up to the line's first CR or LF and as a C string (mod_event_socket, strip_cr):
 * the monitor drops line breaks before sending, which makes a secret file's final newline harmless but silently
 * changed a password holding one further in (and a NUL cut it short). */
const eslPassword = z.string().regex(/^[^\0\r\n]*\r?\n?$/, 'must hold no line break but a final one (a secret file\'s ' +
  'last newline, dropped) and no NUL: FreeSWITCH reads the auth command\'s password as one line');

/** A duration in milliseconds, at most `max` (said in the message as `maxSaid`). Node runs a timer set above 2^31-1 ms
 * (24.8 days) after 1 ms, and AbortSignal.timeout aborts at once: a huge value meant as "never" did the opposite. */
function durationMs(min: number, max: number, maxSaid: string) {
  return z.number().int().min(min).max(max, `must be at most ${max} (${maxSaid})`);
}

/** A Redis or notification URL whose user name or password cannot be decoded would only fail once used: said at load. */
const CREDENTIALS_UNREADABLE = 'its user name or password holds a % that starts no %-escape: write % as %25';

/** A URL of one of `schemes` with a host; the message never echoes it (it may carry a password). */
function urlWithScheme(schemes: readonly string[]): (url: string) => boolean {
  return (url) => {
    try {
      const { protocol, hostname } = new URL(url);
      return schemes.includes(protocol) && hostname !== '';
    } catch {
      return false;
    }
  };
}

/** Two-letter codes people write for a country that ISO 3166-1 (and so libphonenumber) spells otherwise. */
const COUNTRY_MEANT: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };
const COUNTRY_FORMAT = 'ISO 3166-1 alpha-2: FR, BE, CH, GB, US…';

/** Why a screening.defaultCountry (upper-cased) is refused, with the code probably meant: an unknown region would make
 * every caller ID in national form (0162…, 07911…) invalid, the allowlisted included. Echoes only a two-letter code. */
function countryProblem(input: unknown): string {
  const code = typeof input === 'string' && /^[A-Z]{2}$/.test(input) ? input : null;
  if (code === null) return `must be a country code libphonenumber knows (${COUNTRY_FORMAT})`;
  const meant = COUNTRY_MEANT[code] ?? (code === 'EN' ? 'GB or US (EN is a language, not a country)' : undefined);
  return `"${code}" is not a country code libphonenumber knows${meant ? `: use ${meant}` : ''} (${COUNTRY_FORMAT})`;
}

/** A host name (labels of letters, digits, - and _, as Docker service names may have) or an IP address. */
function isHost(host: string): boolean {
  return isIP(host) !== 0 || (host.length <= 253 && /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/.test(host));
}

/** A host chut listens on or connects to, its port being `portKey`. `localhost:8787` passed validation and then made
 * `chut run` die of getaddrinfo ENOTFOUND with a stack trace; `[::1]` too. */
function host(portKey: string) {
  return z.string().refine(isHost, {
    error: (issue) => `must be a host name or an IP address${/^\[.*\]$/.test(String(issue.input)) ? ' (an IPv6 address without brackets: ::1)' : ''}` +
      `, without a port (e.g. 127.0.0.1, 0.0.0.0, ::, pbx.lan): the port is set by ${portKey}`,
  });
}

function isRedisUrl(url: string): boolean {
  try {
    const { protocol, hostname, pathname } = new URL(url);
    // the database, when given, is a number (ioredis would send `SELECT NaN` for /abc)
    return (protocol === 'redis:' || protocol === 'rediss:') && hostname !== '' && /^(\/\d{0,5})?$/.test(pathname);
  } catch {
    return false;
  }
}

/** `ari.stirShakenReadMs` when the file leaves it out. */
const DEFAULT_STIR_SHAKEN_READ_MS = 150;

/** Fills in `ari.stirShakenReadMs`, and refuses one above `ari.requestTimeoutMs`: the read is one ARI REST request,
 * and that setting says how long any of them may take (a read allowed longer would hold the call past what the
 * administrator set for every request). The default yields to a lower requestTimeoutMs instead: a configuration valid
 * before the setting existed stays valid. */
function withStirShakenReadMs<T extends { requestTimeoutMs: number; stirShakenReadMs?: number | undefined }>(
  ari: T, ctx: z.core.$RefinementCtx<T>,
): T & { stirShakenReadMs: number } {
  const { requestTimeoutMs, stirShakenReadMs } = ari;
  if (stirShakenReadMs !== undefined && stirShakenReadMs > requestTimeoutMs) {
    ctx.addIssue({
      code: 'custom', path: ['stirShakenReadMs'], input: stirShakenReadMs,
      message: `${stirShakenReadMs} is above ari.requestTimeoutMs (${requestTimeoutMs}), which bounds every ARI request, this read ` +
        'included: lower ari.stirShakenReadMs or raise ari.requestTimeoutMs',
    });
  }
  return { ...ari, stirShakenReadMs: stirShakenReadMs ?? Math.min(DEFAULT_STIR_SHAKEN_READ_MS, requestTimeoutMs) };
}

export const configSchema = z.object({
  /** `redis` (the real store) or `memory` (demo only: nothing persists). */
  store: z.enum(['redis', 'memory']).default('redis'),
  redis: z.object({
    // Refused here rather than by the Redis client at first use (a stack trace); the message never echoes the URL,
    // which may carry a password.
    url: z.string().refine(isRedisUrl, { message: 'must be a redis:// or rediss:// URL: redis://[:password@]host[:port][/db number] (special characters in the password %-encoded)' })
      // ioredis %-decodes the user info: a bare % threw "URI malformed" out of every command, check-config included
      .refine(urlCredentialsReadable, { message: CREDENTIALS_UNREADABLE })
      .default('redis://127.0.0.1:6379'),
    /** Every key lives under this prefix. */
    prefix: z.string().regex(/^[A-Za-z0-9_:.-]{1,32}$/, {
      error: (issue) => `${typeof issue.input === 'string' && issue.input.length > 32 ? `is ${issue.input.length} characters long: ` : ''}` +
        'must be 1 to 32 characters, letters, digits and _ : . - only (e.g. chut: or chut-home:)',
    }).default('chut:'),
    /** Optional Sentinel setup: when set, `url` is ignored. */
    sentinel: z.object({
      name: z.string().min(1),
      hosts: z.array(z.object({ host: host('port, next to host'), port }).strict()).min(1),
      /** The Sentinels' own password; also Redis's unless `redisPassword` is set. */
      password: z.string().optional(),
      /** The Redis nodes' password, when it is not the Sentinels'. */
      redisPassword: z.string().optional(),
    }).strict().optional(),
    connectTimeoutMs: durationMs(1, 60_000, '1 minute').default(2000),
  }).strict().prefault({}),
  /** Path of the policy file, relative to the config file. */
  policy: z.string().default('policy.yaml'),
  screening: z.object({
    /** Region for national numbers (`0162…`). In either case, as CHUT_DEFAULT_COUNTRY takes it: `be` was refused in
     * the file and taken from the environment. */
    defaultCountry: z.string().trim().toUpperCase().refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), { error: (issue) => countryProblem(issue.input) }).default('FR'),
    /** Past this the call rings (fail-open). */
    deadlineMs: durationMs(10, 5000, '5 seconds').default(250),
    /** Call records kept in the Redis stream (approximate). */
    streamMaxLen: z.number().int().min(100).default(100_000),
  }).strict().prefault({}),
  captcha: z.object({
    length: z.number().int().min(3).max(8).default(4),
    attempts: z.number().int().min(1).max(5).default(3),
    firstDigitTimeoutMs: durationMs(1000, 30_000, '30 seconds').default(6000),
    interDigitTimeoutMs: durationMs(500, 10_000, '10 seconds').default(3000),
    /** Route after a failed captcha. */
    onFail: z.enum(['voicemail', 'reject']).default('voicemail'),
    /** Route when the caller types nothing after the challenge (silent autodialers, robots blasting DTMF over the prompt). */
    onTimeout: z.enum(['voicemail', 'reject']).default('reject'),
    language: z.string().regex(/^[a-z]{2}$/, 'must be a two-letter language code in lower case (fr, en, de…), as Asterisk names its sound folders').default('fr'),
    /** Prompts per language; the defaults exist in Asterisk's core sounds. */
    prompts: z.record(z.string(), promptSet).refine((sets) => Object.keys(sets).length > 0, { message: 'needs at least one language (e.g. fr, en)' }).default({
      fr: { intro: ['please-enter-the', 'digits'], retry: ['please-try-again'], thanks: ['thank-you-for-calling'], goodbye: ['goodbye'] },
      en: { intro: ['please-enter-the', 'digits'], retry: ['please-try-again'], thanks: ['thank-you-for-calling'], goodbye: ['goodbye'] },
    }),
  }).strict().prefault({}),
  reputation: z.object({
    /** How long a caller who passed the captcha rings straight through. At most 365: a number's reputation key lives
     * 400 days after its latest call, and the trust must not outlive it. */
    trustDays: z.number().positive().max(365).default(30),
    /** Scores halve after this many days without news. */
    halfLifeDays: z.number().positive().default(30),
    deltas: z.object({
      captchaPassed: z.number().default(-40),
      captchaFailed: z.number().default(25),
      captchaTimeout: z.number().default(20),
      captchaHungUp: z.number().default(15),
      spamReport: z.number().default(50),
      allowReport: z.number().default(-100),
    }).strict().prefault({}),
    /** A spam report (phone feature code, API) also puts the number on the blocklist, with the reporter's source
     * (`phone`, `feature-code`, `api`). */
    blockOnReport: z.boolean().default(true),
    /** A number whose score a captcha outcome brings to this is added to the blocklist (source `auto`); 0 disables. */
    autoBlockScore: z.number().min(0).max(100).default(95),
    /** How long an auto-block lasts (0: until removed). A robot may spoof a real number: its owner must not be
     * rejected for ever. A robot still calling afterwards fails the captcha again and is blocked again. */
    autoBlockDays: z.number().int().min(0).max(365).default(30),
  }).strict().prefault({}),
  lists: z.object({
    /** Allow and block list entries that expired this many days ago are removed (lookups ignore them from their
     * expiry on; until then `chut export` and the API still show them). 0: at the first sweep after they expire. */
    keepExpiredDays: z.number().int().min(0).max(3650).default(7),
  }).strict().prefault({}),
  routes: z.object({
    /** Mailbox for voicemail routes; null = the dialled extension. Exactly what the Asterisk snippets let through. */
    voicemailMailbox: z.string().regex(VOICEMAIL_BOX, 'a mailbox: BOX or BOX@CONTEXT (BOX: letters, digits, _ . + -; CONTEXT: letters, digits, _ . -)').nullable().default(null),
    reject: rejectStyle.default('sit'),
  }).strict().prefault({}),
  ari: z.object({
    enabled: z.boolean().default(false),
    // Asterisk's http.conf server: chut makes its REST requests there and opens the events WebSocket itself
    // (ws:// would leave every REST request failing; a URL without a scheme crashes `chut run`)
    url: z.string().refine(urlWithScheme(['http:', 'https:']), {
      message: 'must be an http:// or https:// URL with a host: Asterisk\'s http.conf server, e.g. http://127.0.0.1:8088 (not ws://: chut opens the events WebSocket itself)',
    }).default('http://127.0.0.1:8088'),
    user: ariCredential('user name').regex(/^[^:]*$/, 'must hold no ":": HTTP Basic authentication ends the user name at the ' +
      'first ":" (Asterisk would take the rest as the password)').default('chut'),
    password: ariCredential('password').default(''),
    app: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1 to 32 characters, letters, digits, _ and - only: the name in the dialplan\'s Stasis(…)').default('chut'),
    /** Per-request REST timeout, the wait for a free connection included. */
    requestTimeoutMs: durationMs(1, 60_000, '1 minute').default(2000),
    /** How long a call waits for Asterisk's own STIR/SHAKEN result (`STIR_SHAKEN(0,verify_result)`) before it is
     * screened without it (fail-open); 0: never asked. It adds to the wait before the call is decided: the screening
     * deadline starts after it. Unset: 150, or requestTimeoutMs when that is lower (as before this setting existed). */
    stirShakenReadMs: durationMs(0, 5000, '5 seconds').optional(),
    /** Most REST connections open to Asterisk at once; more requests queue. http.conf `sessionlimit` (default 100)
     * counts these, the events WebSocket and every other HTTP user together: stay well under it. */
    maxConnections: z.number().int().min(1).max(1000).default(32),
  }).strict().superRefine(ariCredentialsFit).transform(withStirShakenReadMs).prefault({}),
  ami: z.object({
    enabled: z.boolean().default(false),
    host: host('ami.port').default('127.0.0.1'),
    port: port.default(5038),
    user: amiCredential.default('chut'),
    password: amiCredential.default(''),
    /** `screen`: answer ChutQuery UserEvents; `monitor`: follow calls only; `both`. */
    mode: z.enum(['screen', 'monitor', 'both']).default('both'),
    /** Forget a call's monitoring state after this long without a Hangup. */
    callTimeoutMs: durationMs(1, 24 * HOUR_MS, '24 hours').default(4 * HOUR_MS),
  }).strict().prefault({}),
  esl: z.object({
    enabled: z.boolean().default(false),
    listenHost: host('esl.listenPort').default('127.0.0.1'),
    listenPort: port.default(8084),
    /** Addresses and CIDR ranges FreeSWITCH may connect from: anyone reaching the listener could otherwise fake calls,
     * and `*77` reports. Others get `connect` and a close (their call, if any, rings). Loopback only by default. */
    allowFrom: z.array(
      z.string().refine((e) => allowFromEntryProblem(e) === null, { error: (issue) => allowFromEntryProblem(String(issue.input)) ?? undefined }),
      { error: (issue) => (issue.code === 'invalid_type' ? 'must be a list of IP addresses and CIDR ranges, e.g. [127.0.0.0/8, ::1, 192.168.1.20]' : undefined) },
    )
      .min(1, `must list at least one address or range (the default, loopback only, is ${LOOPBACK_ALLOW_FROM.join(', ')}): an empty list would refuse every call`)
      .default([...LOOPBACK_ALLOW_FROM]),
    /** Where `ring` transfers; null = end the socket so the dialplan continues (recommended). */
    ringTransfer: z.object({ extension: dialplanName, context: dialplanName }).strict().nullable().default(null),
    /** Voicemail: `app` runs `voicemail default ${domain_name} <mailbox>`, or transfer to an extension. */
    // discriminated by `type`: a plain union said only "Invalid input" for a mistyped type or a bad field
    voicemail: z.discriminatedUnion('type', [
      z.object({ type: z.literal('app'), profile: dialplanName.default('default') }).strict(),
      z.object({ type: z.literal('transfer'), extension: dialplanName, context: dialplanName }).strict(),
    ], { error: (issue) => (issue.code === 'invalid_union' ? 'must be { type: app, profile: NAME } or { type: transfer, extension: EXT, context: CONTEXT }' : undefined) })
      .default({ type: 'app', profile: 'default' }),
    /** Captcha prompt names (Asterisk's, as in captcha.prompts) → FreeSWITCH sound files, without `.wav`. The
     * defaults are FreeSWITCH's stock sounds (en/us/callie; fr/ca/june uses the same names): the Asterisk names do
     * not exist there, and a prompt that cannot be played makes the call ring instead of challenging it. */
    sounds: z.record(soundName, freeswitchSound).default({
      'please-enter-the': 'ivr/ivr-please_enter_the',
      digits: 'ivr/ivr-id_number',
      'please-try-again': 'ivr/ivr-please_try_again',
      'thank-you-for-calling': 'ivr/ivr-thank_you_for_calling',
      goodbye: 'voicemail/vm-goodbye',
    }),
    /** A prompt name not in `sounds` plays `<soundPrefix><name>.wav`. */
    soundPrefix: z.string().regex(/^[A-Za-z0-9_/.${}:-]{0,200}$/, `at most 200 characters, ${FREESWITCH_PATH_CHARS}`).default('ivr/ivr-'),
    inbound: z.object({
      enabled: z.boolean().default(false),
      host: host('esl.inbound.port').default('127.0.0.1'),
      port: port.default(8021),
      password: eslPassword.default('ClueCon'),
      /** No complete frame (a heartbeat, any event) for this long ends the connection and reconnects: FreeSWITCH sends HEARTBEAT every 20 s
       * (`event-heartbeat-interval`), so the default is three missed heartbeats. */
      silenceTimeoutMs: durationMs(1000, HOUR_MS, '1 hour').default(60_000),
    }).strict().prefault({}),
  }).strict().prefault({}),
  http: z.object({
    enabled: z.boolean().default(true),
    host: host('http.port').default('127.0.0.1'),
    port: listenPort.default(8787),
    /** Bearer token for every route but /healthz; without one only clients on this machine may read, nobody writes. */
    // sent as `Authorization: Bearer <token>`: a space would split it, and headers carry ASCII only
    token: z.string().min(16).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII with no spaces (it travels in an HTTP header)').nullable().default(null),
    /** Most `POST /api/import` in progress at once: each holds its file (up to 20 MiB) and its parsed lines in memory,
     * in the process that screens calls. One more is refused (429) before its body is read. */
    maxConcurrentImports: z.number().int().min(1).max(8).default(1),
    /** Most `GET /api/export` in progress at once: each holds the store's read of the lists (up to ~10 MB) and keeps
     * Redis busy. One more is refused (429) before the store is read. */
    maxConcurrentExports: z.number().int().min(1).max(16).default(4),
  }).strict().prefault({}),
  notifications: z.object({
    webhook: z.object({
      url: z.string().refine(urlWithScheme(['http:', 'https:']), { message: 'must be an http:// or https:// URL' })
        .refine(urlCredentialsReadable, { message: CREDENTIALS_UNREADABLE }),
      events: z.array(eventName).min(1),
      timeoutMs: durationMs(1, 60_000, '1 minute').default(3000),
      retries: z.number().int().min(0).max(10).default(3),
    }).strict().nullable().default(null),
    mqtt: z.object({
      // anything else mqtt.js reads as plain mqtt:// (an https:// URL would send the password in clear)
      url: z.string().refine(urlWithScheme(['mqtt:', 'mqtts:', 'ws:', 'wss:']), { message: 'must be an mqtt://, mqtts://, ws:// or wss:// URL with a host' })
        .refine(urlCredentialsReadable, { message: CREDENTIALS_UNREADABLE }),
      username: z.string().optional(),
      password: z.string().optional(),
      topicPrefix: z.string().regex(/^[A-Za-z0-9_/-]{1,64}$/, 'must be 1 to 64 characters, letters, digits, _ / and - only (no + or # wildcards)').default('chut'),
      /** This chut's name among those sharing topicPrefix: its status goes to `<prefix>/status/<instance>` (and the
       * discovery lists them all) instead of `<prefix>/status`, which the first of them to stop would set offline. */
      instance: z.string().regex(INSTANCE_NAME, 'must be 1 to 64 letters, digits, _ or - (one level of an MQTT topic)').nullable().default(null),
      /** Publish Home Assistant MQTT discovery for a "last blocked caller" sensor. */
      homeAssistantDiscovery: z.boolean().default(false),
      events: z.array(eventName).min(1),
    }).strict().nullable().default(null),
  }).strict().prefault({}),
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).strict().prefault({}),
}).strict();

export type Config = z.infer<typeof configSchema>;
export type PromptSet = z.infer<typeof promptSet>;
export type NotificationEvent = z.infer<typeof eventName>;
export type RejectStyle = z.infer<typeof rejectStyle>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Loaded config plus where it came from (the policy path is resolved against the config file). */
export interface LoadedConfig {
  config: Readonly<Config>;
  /** Absolute path of the policy file. */
  policyPath: string;
  /** The config file read, or null when only defaults and environment were used. */
  file: string | null;
  /** The dotted paths of the values that file writes itself (`redis.url`, `ari.password`; a list by its own path), none
   * without a file: what it sets explicitly, whatever the defaults or the environment give. */
  fileSettings: readonly string[];
}

type Env = Record<string, string | undefined>;

/** A variable's value chut cannot read as its setting, and what it takes instead. Said by the reader of the
 * environment, not the schema: the schema checks the file's values too, and knows only what the file takes. */
class UnreadableVariable {
  constructor(readonly problem: string) {}
}

/** "true"/"1"/"yes"/"on" and their opposites (the file's YAML takes only true and false); anything else is refused. */
function envBoolean(v: string): boolean | UnreadableVariable {
  const t = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  return new UnreadableVariable('must be true or false, yes or no, on or off, 1 or 0');
}

/** A number as the file reads one (-1, 8787.0, +8787, 1e3, 0x1F90, 0o17: YAML 1.2's core schema, resolved by the yaml
 * package itself) becomes that number, spaces around it aside, so `CHUT_HTTP_PORT=0x1F90` is `port: 0x1F90` and a
 * problem is said as the file's would be ("must be at least 1", not "must be a number, without quotes"); anything else
 * (0X1F, -0x10, 1_000: text to YAML 1.2 too) is passed on as text for validation to refuse, where Number() would
 * have made some of it a number the file never reads (0X1F, 0b101) and the rest NaN. */
function envNumber(v: string): unknown {
  const value = plainScalarValue(v.trim());
  return typeof value === 'number' ? value : v;
}

/** Environment variables chut reads, mapped to config paths. */
const ENV_MAP: Array<[string, string[], (v: string) => unknown]> = [
  ['CHUT_STORE', ['store'], String],
  ['CHUT_REDIS_URL', ['redis', 'url'], String],
  ['CHUT_REDIS_PREFIX', ['redis', 'prefix'], String],
  ['CHUT_POLICY', ['policy'], String],
  ['CHUT_DEFAULT_COUNTRY', ['screening', 'defaultCountry'], String],
  ['CHUT_ARI_ENABLED', ['ari', 'enabled'], envBoolean],
  ['CHUT_ARI_URL', ['ari', 'url'], String],
  ['CHUT_ARI_USER', ['ari', 'user'], String],
  ['CHUT_ARI_PASSWORD', ['ari', 'password'], String],
  ['CHUT_AMI_ENABLED', ['ami', 'enabled'], envBoolean],
  ['CHUT_AMI_HOST', ['ami', 'host'], String],
  ['CHUT_AMI_PORT', ['ami', 'port'], envNumber],
  ['CHUT_AMI_USER', ['ami', 'user'], String],
  ['CHUT_AMI_PASSWORD', ['ami', 'password'], String],
  ['CHUT_ESL_ENABLED', ['esl', 'enabled'], envBoolean],
  ['CHUT_ESL_LISTEN_PORT', ['esl', 'listenPort'], envNumber],
  ['CHUT_ESL_PASSWORD', ['esl', 'inbound', 'password'], String],
  ['CHUT_HTTP_HOST', ['http', 'host'], String],
  ['CHUT_HTTP_PORT', ['http', 'port'], envNumber],
  ['CHUT_API_TOKEN', ['http', 'token'], String],
  ['CHUT_LOG_LEVEL', ['log', 'level'], String],
];

/** Names of the environment variables chut reads (compose files and docs are checked against it). */
export const ENV_VARS: readonly string[] = ENV_MAP.map(([name]) => name);

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** `over` on top of `base`. A section `base` gives as a plain value (`ari: true`, `redis: redis://…` in the file) is
 * kept for validation to refuse: replaced by the section an environment variable fills in (CHUT_ARI_PASSWORD,
 * CHUT_REDIS_PREFIX), it was dropped without a word and chut ran on the section's defaults. An empty one (`redis:`
 * with nothing under it) too: the file was refused in a shell and taken by a service whose environment set
 * CHUT_REDIS_URL. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (isPlainObject(v) && b !== undefined && !isPlainObject(b)) continue;
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a raw object (file + env + overrides merged) into a frozen Config, or throws ConfigError. */
export function parseConfig(raw: unknown): Readonly<Config> {
  // reportInput: the messages may say what a switch or a choice was given (formatIssue echoes nothing else)
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => formatIssue(issue, configSchema)));
  }
  return deepFreeze(result.data);
}

/** `{redis: {url: x}}` → ['redis.url']: the dotted paths of an object's non-object values. */
function leafPaths(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? leafPaths(v as Record<string, unknown>, `${prefix}${k}.`)
    : [`${prefix}${k}`]));
}

/** Whether `problem` is about the setting at dotted `path` or something inside it. */
function problemAt(problem: string, path: string): boolean {
  return problem.startsWith(path) && /^[:.[]/.test(problem.slice(path.length));
}

/** The problems `parse` throws as a ConfigError; none when it parses. */
function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

/** The file's value at dotted `path`, or undefined. */
function fileValueAt(fromFile: Record<string, unknown>, path: string): unknown {
  let value: unknown = fromFile;
  for (const key of path.split('.')) value = isPlainObject(value) ? value[key] : undefined;
  return value;
}

/** A problem with a value the environment or a flag set says so ("ami.port: … (from CHUT_AMI_PORT)", "(from
 * --redis)"): the file may not have it. A problem of settings checked together names where each came from, when one
 * is not the file's: "(ari.user from CHUT_ARI_USER, ari.password from the file)". */
function withOrigins<T>(origins: ReadonlyArray<[string, string]>, fromFile: Record<string, unknown>, parse: () => T): T {
  const originOf = (path: string) => origins.find(([overridden]) => overridden === path)?.[1];
  const sourceOf = (path: string) => {
    const origin = originOf(path);
    if (origin !== undefined) return `from ${origin}`;
    return fileValueAt(fromFile, path) === undefined ? 'left at its default' : 'from the file';
  };
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.problems.map((problem) => {
      const group = checkedTogether(problem);
      if (group) {
        return group.paths.some((path) => originOf(path) !== undefined)
          ? `${problem} (${group.paths.map((path) => `${path} ${sourceOf(path)}`).join(', ')})` : problem;
      }
      const origin = origins.find(([path]) => problemAt(problem, path));
      return origin ? `${problem} (from ${origin[1]})` : problem;
    }));
  }
}

/** The file's own problems with the values the environment or a flag replaces, each value checked on its own:
 * replaced, a bad one was never reported, and the file check-config refused in a shell was taken by a service whose
 * environment set the variable (the image's CHUT_HTTP_HOST, a secret in CHUT_ARI_PASSWORD), or by `--redis URL`.
 * Settings checked together are checked as the file has them all (its ari.password with its ari.user, not the
 * default one) when the environment or a flag replaces any of them. */
function overriddenFileProblems(fromFile: Record<string, unknown>, origins: ReadonlyArray<[string, string]>): string[] {
  const eachAlone = origins.flatMap(([path, source]) => {
    const value = fileValueAt(fromFile, path);
    if (value === undefined) return [];
    const alone: Record<string, unknown> = {};
    setPath(alone, path.split('.'), value);
    return problemsOf(() => parseConfig(alone)).filter((problem) => problemAt(problem, path) && !checkedTogether(problem))
      .map((problem) => `${problem} (the file's value, overridden by ${source})`);
  });
  const together = CHECKED_TOGETHER.flatMap((group) => {
    const sources = origins.filter(([path]) => group.paths.includes(path)).map(([, source]) => source);
    const inFile = group.paths.filter((path) => fileValueAt(fromFile, path) !== undefined);
    if (sources.length === 0 || inFile.length === 0) return [];
    const theirs: Record<string, unknown> = {};
    for (const path of inFile) setPath(theirs, path.split('.'), fileValueAt(fromFile, path));
    const values = inFile.length > 1 ? 'values' : 'value';
    return problemsOf(() => parseConfig(theirs)).filter((problem) => checkedTogether(problem) === group)
      .map((problem) => `${problem} (the file's ${values}, overridden by ${sources.join(' and ')})`);
  });
  return [...eachAlone, ...together];
}

export interface LoadOptions {
  /** Config file path; default `CHUT_CONFIG`, else `config/chut.yaml` when it exists, else none. */
  file?: string | null;
  env?: Env;
  /** Highest-precedence values (CLI flags), as a partial config object. */
  overrides?: Record<string, unknown>;
  /** How the command line names each override, by dotted path (`redis.url` → `--redis`), in the problems it causes. */
  overrideNames?: Readonly<Record<string, string>>;
  cwd?: string;
}

/** Reads the YAML file (if any), applies environment and overrides, validates. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let file: string | null = null;
  if (opts.file) file = resolve(cwd, opts.file);
  else if (opts.file === undefined && env.CHUT_CONFIG) file = resolve(cwd, env.CHUT_CONFIG);
  else if (opts.file === undefined && existsSync(resolve(cwd, 'config/chut.yaml'))) file = resolve(cwd, 'config/chut.yaml');

  let fromFile: Record<string, unknown> = {};
  if (file) {
    let contents: { text: string } | { problem: string };
    try {
      contents = readYamlFile(file);
    } catch (err) {
      throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
    }
    if ('problem' in contents) throw new ConfigError([`${file}: ${contents.problem}`]);
    const read = parseYamlText(contents.text);
    if ('problem' in read) throw new ConfigError([`${file}: ${read.problem}`]);
    const parsed = read.value;
    if (parsed !== null && parsed !== undefined && !isPlainObject(parsed)) {
      throw new ConfigError([`${file}: the top level must be a mapping`]);
    }
    fromFile = (parsed as Record<string, unknown> | null) ?? {};
  }

  const fromEnv: Record<string, unknown> = {};
  const envOrigins: Array<[string, string]> = []; // [config path, variable], to name the variable in errors
  const unreadable: Array<[string, string]> = []; // [config path, problem] of the values chut cannot read
  for (const [name, path, convert] of ENV_MAP) {
    const v = env[name];
    if (v !== undefined && v !== '') {
      const value = convert(v);
      // an unreadable value still replaces the file's (checked on its own, as any the environment replaces), and is
      // said once, with what the variable takes, rather than checked in its place
      if (value instanceof UnreadableVariable) unreadable.push([path.join('.'), `${path.join('.')}: ${value.problem} (from ${name})`]);
      setPath(fromEnv, path, value instanceof UnreadableVariable ? undefined : value);
      envOrigins.push([path.join('.'), name]);
    }
  }

  const merged = deepMerge(deepMerge(fromFile, fromEnv), opts.overrides ?? {});
  // where each value the file does not have the last word on came from: a flag (which replaces a variable's value
  // too), else a variable
  const overridden = new Set(leafPaths(opts.overrides ?? {}));
  const origins: Array<[string, string]> = [
    ...[...overridden].map((path): [string, string] => [path, opts.overrideNames?.[path] ?? 'the command line']),
    ...envOrigins.filter(([path]) => !overridden.has(path)),
  ];
  const fileProblems = overriddenFileProblems(fromFile, origins);
  const envProblems = unreadable.filter(([path]) => !overridden.has(path)).map(([, problem]) => problem);
  const parse = () => withOrigins(origins, fromFile, () => parseConfig(merged));
  if (fileProblems.length > 0 || envProblems.length > 0) throw new ConfigError([...fileProblems, ...envProblems, ...problemsOf(parse)]);
  const config = parse();
  const policyFromEnv = envOrigins.some(([path]) => path === 'policy') && !overridden.has('policy');
  const policyDir = file ? dirname(file) : policyFromEnv ? cwd : defaultConfigDir(cwd, config.policy);
  return { config, policyPath: resolve(policyDir, config.policy), file, fileSettings: leafPaths(fromFile) };
}

/** With no config file, the default policy comes from ./config when it is there (a clone), else from the installed
 * package: a `chut` on the PATH works from any directory. A CHUT_POLICY of the user's own is relative to the working
 * directory instead, like any path typed in a shell: falling back to the shipped file would enforce a policy they
 * never chose. */
function defaultConfigDir(cwd: string, policy: string): string {
  const local = resolve(cwd, 'config');
  return existsSync(resolve(local, policy)) ? local : join(packageRoot(), 'config');
}

/** Secret values, for log redaction and for never echoing them back. */
export const SECRET_PATHS = ['ari.password', 'ami.password', 'esl.inbound.password', 'http.token', 'redis.sentinel.password', 'redis.sentinel.redisPassword', 'notifications.mqtt.password'] as const;
