/**
 * The policy file schema (zod). Unknown keys are rejected everywhere so a typo never silently disables a rule.
 * Cross-rule checks (duplicate names, one block size) live in validate.ts.
 */
import { z } from 'zod';
import { ACTIONS } from './types.js';
import { DURATION_HINT, parseDuration } from './duration.js';
import { containsProblem, patternProblem } from './glob.js';
import { NUMBER_PACK_NAMES, TIME_PACK_NAMES } from './packs/index.js';
import type { PolicySpec, WhenSpec } from './spec.js';
import { isDayItem } from './time-window.js';
import { isTimeZone, parseClock } from './zoned-time.js';
import { quoteShown, shownCut } from '../show-invisible.js';
import { switchProblem } from '../validation-issues.js';

const NUMBER_TYPES = [
  'mobile', 'fixed-line', 'fixed-line-or-mobile', 'toll-free', 'premium-rate', 'shared-cost', 'voip',
  'personal-number', 'pager', 'uan', 'voicemail', 'unknown',
] as const;

/** A value from the file, as a problem quotes it: invisible characters as escapes (JSON leaves a bidi override or a
 * line separator raw), cut to 40 characters. */
const echo = (v: unknown): string => (typeof v === 'string' ? quoteShown(v, 40) : shownCut(JSON.stringify(v) ?? String(v), 40));
/** An error message, or `is required` when the key is missing altogether. */
const orRequired = (message: (input: unknown) => string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? 'is required' : message(iss.input);
const oneOf = (values: readonly string[]) => orRequired((input) => `${echo(input)} is not one of ${values.join(', ')}`);

/** A single value or a non-empty list of them; a single value is read as a list of one. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v : v === undefined ? v : [v]), z.array(item).min(1, 'must not be empty'));
}

const action = z.enum(ACTIONS, { error: oneOf(ACTIONS) });
const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone known to this system, like Europe/Paris');
const duration = z.string({ error: orRequired(() => DURATION_HINT) }).refine((s) => {
  const sec = parseDuration(s);
  return sec !== null && sec <= 30 * 86_400;
}, DURATION_HINT + ', at most 30d');
const clock = z.string({ error: orRequired(() => 'must be a time like 10:00') }).refine((s) => parseClock(s) !== null, 'must be a time like 10:00 (00:00 to 24:00)');
const count = (min: number, max: number) =>
  z.number({ error: orRequired(() => 'must be a number') }).int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`);

const numberPack = z.string().refine((s) => NUMBER_PACK_NAMES.includes(s), {
  error: (iss) => TIME_PACK_NAMES.includes(iss.input as string)
    ? `${echo(iss.input)} is a time pack: use time: { inside: ${String(iss.input)} } or { outside: … }`
    : `unknown pack ${echo(iss.input)} (known: ${NUMBER_PACK_NAMES.join(', ')})`,
});
const timePack = z.string().refine((s) => TIME_PACK_NAMES.includes(s), {
  error: (iss) => `unknown time pack ${echo(iss.input)} (known: ${TIME_PACK_NAMES.join(', ')})`,
});

/**
 * The STIR/SHAKEN verification results of 3GPP TS 24.229 (the `verstat` URI parameter), the only values the
 * adapters produce (the ARI adapter maps Asterisk's own results onto them), plus `missing`. Checked like the
 * other enumerations so a typo (`TN-Validaton-Failed`) is an error, not a rule that silently never matches.
 * Any case: the condition compares case-insensitively.
 */
export const VERSTAT_VALUES = [
  'TN-Validation-Passed', 'TN-Validation-Failed', 'No-TN-Validation', 'missing',
  // the attestation level some carriers append (a policy naming them was valid before values were checked)
  'TN-Validation-Passed-A', 'TN-Validation-Passed-B', 'TN-Validation-Passed-C',
  'TN-Validation-Failed-A', 'TN-Validation-Failed-B', 'TN-Validation-Failed-C',
] as const;
const KNOWN_VERSTATS = new Set(VERSTAT_VALUES.map((v) => v.toLowerCase()));
const verstat = z.string({ error: oneOf(VERSTAT_VALUES) }).refine((s) => KNOWN_VERSTATS.has(s.toLowerCase()), {
  error: (iss) => `${echo(iss.input)} is not one of ${VERSTAT_VALUES.join(', ')}`,
});

const time = z.strictObject({
  days: oneOrMany(z.string().refine(isDayItem, 'must be a day (mon … sun) or a range like mon-fri')).optional(),
  from: clock.optional(),
  to: clock.optional(),
  timezone: timeZone.optional(),
  inside: timePack.optional(),
  outside: timePack.optional(),
}).superRefine((t, ctx) => {
  const packForm = t.inside !== undefined || t.outside !== undefined;
  const windowForm = t.days !== undefined || t.from !== undefined || t.to !== undefined || t.timezone !== undefined;
  if (t.inside !== undefined && t.outside !== undefined) ctx.addIssue({ code: 'custom', message: 'use either inside or outside, not both' });
  else if (packForm && windowForm) ctx.addIssue({ code: 'custom', message: 'a time pack (inside/outside) cannot be combined with days/from/to/timezone' });
  else if (!packForm && t.days === undefined && t.from === undefined && t.to === undefined) {
    ctx.addIssue({ code: 'custom', message: 'needs days, from/to, inside or outside' });
  }
  if (t.from === '24:00') ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be 23:59 at the latest (24:00 is only an end)' });
  else if ((t.from !== undefined && t.from === (t.to ?? '24:00')) || (t.from === undefined && t.to === '00:00')) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'the window is empty (from equals to)' });
  }
});

const rate = z.strictObject({
  calls: count(1, 100_000),
  within: duration,
  per: z.enum(['number', 'block'], { error: oneOf(['number', 'block']) }).default('number'),
  blockDigits: count(3, 15).optional(),
}).refine((r) => r.blockDigits === undefined || r.per === 'block', { path: ['blockDigits'], message: 'only meaningful with per: block' });

/** Cross-field checks run even when a field of the same object has its own problem (zod skips them by default), so
 * one pass reports every problem; they read the raw fields, so they only need an object. */
const EVEN_WITH_OTHER_PROBLEMS = { when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) };

const dialledEntry = z.string().transform((s) => s.replace(/[\s.()-]/g, '')).refine(
  (s) => /^\+?[0-9]{1,20}\*?$/.test(s),
  'must be a number or a prefix ending in * (digits, optional leading +)',
).refine(
  // chut compares the dialled number in E.164 once it is a valid number (0187654321 → +33187654321), so a national
  // form would never match; extensions (100, 201) and 00-prefixed international forms are fine
  (s) => !/^0[1-9][0-9]{3,}/.test(s),
  'write a phone number in E.164 (e.g. +33187654321, or +331876* for a prefix): the dialled number is compared in that form',
);

const score = count(0, 100);

export const whenSchema: z.ZodType<WhenSpec> = z.lazy(() => z.strictObject({
  list: z.enum(['allow', 'block'], { error: oneOf(['allow', 'block']) }).optional(),
  match: z.enum(['exact', 'prefix', 'any'], { error: oneOf(['exact', 'prefix', 'any']) }).optional(),
  caller: oneOrMany(z.enum(['withheld', 'invalid', 'valid'], { error: oneOf(['withheld', 'invalid', 'valid']) })).optional(),
  numberType: oneOrMany(z.enum(NUMBER_TYPES, { error: oneOf(NUMBER_TYPES) })).optional(),
  pack: oneOrMany(numberPack).optional(),
  score: z.strictObject({ min: score.optional(), max: score.optional() })
    .refine((s) => s.min !== undefined || s.max !== undefined, 'needs min or max')
    .refine((s) => s.min === undefined || s.max === undefined || s.min <= s.max, 'min must not exceed max')
    .optional(),
  reports: z.strictObject({ min: count(1, 1_000_000) }).optional(),
  captchaFailures: z.strictObject({ min: count(1, 1_000_000) }).optional(),
  trusted: z.boolean({ error: orRequired(switchProblem) }).optional(),
  rate: rate.optional(),
  time: time.optional(),
  dialled: oneOrMany(dialledEntry).optional(),
  name: z.strictObject({
    matches: oneOrMany(z.string().check((ctx) => {
      const problem = patternProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    })).optional(),
    contains: oneOrMany(z.string().check((ctx) => {
      const problem = containsProblem(ctx.value) ?? (ctx.value.includes('*') ? 'takes plain text (a * here is a literal star): for * as any text, use matches, e.g. *ROBOT*' : null);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    })).optional(),
  }).refine((n) => n.matches !== undefined || n.contains !== undefined, 'needs matches or contains').optional(),
  verstat: oneOrMany(verstat).optional(),
  neighbourSpoofing: z.strictObject({ digits: count(1, 15) }).optional(),
  any: z.array(whenSchema).min(1, 'must not be empty').optional(),
  not: whenSchema.optional(),
}).superRefine((w, ctx) => {
  if (Object.keys(w).length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one condition (use default for a catch-all)' });
  if (w.match !== undefined && w.list === undefined) ctx.addIssue({ code: 'custom', path: ['match'], message: 'needs list' });
}, EVEN_WITH_OTHER_PROBLEMS));

const rule = z.strictObject({
  name: z.string({ error: orRequired(() => 'must be a string') }).regex(/^[a-z0-9_-]{1,64}$/, 'must be 1–64 characters a-z 0-9 - _')
    .refine((n) => n !== 'default', '"default" is reserved for the default action'),
  action,
  captcha: z.strictObject({
    onFail: z.enum(['voicemail', 'reject'], { error: oneOf(['voicemail', 'reject']) }).optional(),
    onTimeout: z.enum(['voicemail', 'reject'], { error: oneOf(['voicemail', 'reject']) }).optional(),
  }).optional(),
  description: z.string().max(500).optional(),
  when: whenSchema,
}).superRefine((r, ctx) => {
  if (r.captcha !== undefined && r.action !== 'captcha') ctx.addIssue({ code: 'custom', path: ['captcha'], message: 'only for action: captcha' });
}, EVEN_WITH_OTHER_PROBLEMS);

export const policySchema: z.ZodType<PolicySpec> = z.strictObject({
  version: z.literal(1, { error: orRequired(() => 'must be 1 (the only policy format so far)') }),
  mode: z.enum(['enforce', 'shadow'], { error: oneOf(['enforce', 'shadow']) }).default('enforce'),
  timezone: timeZone.default('Europe/Paris'),
  default: action.default('ring'),
  rules: z.array(rule).default([]),
});
