/**
 * Every value chut writes into an AMI action goes through here first. The client writes values raw
 * (`Key: value\r\n`), so one CR or LF in a value would end the header, and `\r\n\r\n` would start a whole new
 * action (checked against a real Asterisk 22). Each field accepts only what it needs.
 */
import { ACTIONS, type Action } from '../rules/types.js';
import { VOICEMAIL_BOX } from '../voicemail-box.js';
import { CONTROL_CHARACTER } from '../control-character.js';

export class AmiValueError extends Error {
  override readonly name = 'AmiValueError';
  constructor(readonly field: string, reason: string) {
    super(`refusing AMI value for ${field}: ${reason}`);
  }
}

export function assertNoControl(field: string, value: string, maxLength = 256): string {
  if (typeof value !== 'string') throw new AmiValueError(field, 'not a string');
  // CR and LF among them: one would end the header, and a blank line the action
  if (CONTROL_CHARACTER.test(value)) throw new AmiValueError(field, 'contains a control character (CR/LF/NUL…)');
  if (value.length > maxLength) throw new AmiValueError(field, `longer than ${maxLength} characters`);
  return value;
}

function matching(field: string, value: string, re: RegExp, what: string): string {
  assertNoControl(field, value);
  if (!re.test(value)) throw new AmiValueError(field, `not ${what}`);
  return value;
}

/** Channel names as Asterisk makes them (`PJSIP/trunk-0000002a`, `Local/100@ctx-00000001;2`): printable, no spaces. */
export const channelName = (v: string): string => matching('Channel', v, /^[A-Za-z0-9][\x21-\x7e]{0,199}$/, 'a channel name');
/** Plain dialplan variable names only (no functions: `CALLERID(num)` would let a value rewrite caller data). */
export const variableName = (v: string): string => matching('Variable', v, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a variable name');
export const actionId = (v: string): string => matching('ActionID', v, /^[A-Za-z0-9._-]{1,64}$/, 'an action id');
export const dialplanName = (field: string, v: string): string =>
  matching(field, v, /^[A-Za-z0-9_.+*#-]{1,64}$/, 'a dialplan name');
export const decisionRoute = (v: string): Action => {
  if (!(ACTIONS as readonly string[]).includes(v)) throw new AmiValueError('CHUT_DECISION', 'not a known route');
  return v as Action;
};
/** One plain box, as chut-ami.conf's REGEX checks it (anything else would ring there while chut recorded voicemail). */
export const mailbox = (v: string): string => matching('CHUT_MAILBOX', v, VOICEMAIL_BOX, 'a mailbox');
export const captchaDigits = (v: string): string => matching('CHUT_CAPTCHA_DIGITS', v, /^[0-9]{3,8}$/, '3 to 8 digits');

export function integerIn(field: string, v: number, min: number, max: number): string {
  if (!Number.isInteger(v) || v < min || v > max) throw new AmiValueError(field, `not an integer in ${min}…${max}`);
  return String(v);
}

/** Milliseconds → the decimal seconds Read()/TIMEOUT(digit) accept (`1.5`), within bounds. */
export function seconds(field: string, ms: number, minMs: number, maxMs: number): string {
  if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) throw new AmiValueError(field, `not within ${minMs}…${maxMs} ms`);
  return String(Math.round(ms / 100) / 10);
}

/** Sound file names joined with `&` (Playback's list separator), `|` separating the prompt groups. */
export function promptList(field: string, sounds: readonly string[]): string {
  for (const s of sounds) matching(field, s, /^[A-Za-z0-9_/.-]{1,128}$/, 'a sound name');
  return sounds.join('&');
}

/** Longest AMI user name or password taken (the configuration refuses a longer one, src/config.ts). */
export const CREDENTIAL_MAX_CHARS = 128;

/** Login credentials: anything printable, never a control character (they would forge headers too). */
export const credential = (field: string, v: string): string => assertNoControl(field, v, CREDENTIAL_MAX_CHARS);

/** One validated action, ready for the client's `action()`: header names are ours, values checked. */
export type AmiAction = Readonly<Record<string, string>>;

const HEADER = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

/** Last line of defence, run on every action right before it is written, whatever built it. */
export function checkAction(action: AmiAction): AmiAction {
  for (const [key, value] of Object.entries(action)) {
    if (!HEADER.test(key)) throw new AmiValueError(key, 'not a header name');
    assertNoControl(key, value, 512);
  }
  if (/^setvar$/i.test(action.action ?? '') && !action.channel) {
    // Setvar without Channel silently sets a GLOBAL variable on a real Asterisk.
    throw new AmiValueError('Channel', 'Setvar without a channel would set a global variable');
  }
  return action;
}
