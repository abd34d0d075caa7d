/**
 * Builds the commands chut writes to FreeSWITCH. ESL commands are `line\n` headers ended by an empty line,
 * written raw: a value holding a newline would end the command and start another. So every value is checked
 * here, once, and anything with CR/LF (or NUL) is refused — and callers validate each argument against what
 * its field allows before it gets here. No caller-controlled value is ever passed in.
 */
import { randomUUID } from 'node:crypto';
import { quoteShown } from '../show-invisible.js';

export class EslCommandError extends Error {
  override readonly name = 'EslCommandError';
}

/** Refuses control characters that would break ESL framing. */
export function safeValue(value: string, what: string): string {
  if (/[\r\n\0]/.test(value)) throw new EslCommandError(`${what}: newline or NUL refused`);
  if (value.length > 2048) throw new EslCommandError(`${what}: too long`);
  return value;
}

/** A plain command such as `myevents`, `linger 5`, `api uuid_getvar …`. */
export function plainCommand(text: string): string {
  return `${safeValue(text, 'command')}\n\n`;
}

export interface ExecuteCommand {
  frame: string;
  /** The Event-UUID sent, echoed as Application-UUID in CHANNEL_EXECUTE(_COMPLETE). */
  eventUuid: string;
}

/** `sendmsg` execute on the outbound socket's own channel, with event-lock so apps run in order. */
export function executeCommand(app: string, arg: string, eventUuid: string = randomUUID()): ExecuteCommand {
  if (!/^[a-z_]{1,40}$/.test(app)) throw new EslCommandError(`application name refused: ${quoteShown(app, 40)}`);
  const lines = ['sendmsg', 'call-command: execute', `execute-app-name: ${app}`];
  if (arg !== '') lines.push(`execute-app-arg: ${safeValue(arg, `${app} argument`)}`);
  lines.push('event-lock: true', `Event-UUID: ${eventUuid}`);
  return { frame: `${lines.join('\n')}\n\n`, eventUuid };
}

/** `sendmsg` hangup with a cause (a FreeSWITCH cause name). */
export function hangupCommand(cause: string): string {
  if (!/^[A-Z_]{1,40}$/.test(cause)) throw new EslCommandError('hangup cause refused');
  return `sendmsg\ncall-command: hangup\nhangup-cause: ${cause}\n\n`;
}

/** Argument validators: each field accepts only what it needs. */
export const argPattern = {
  /** Digits chut generated (captcha). */
  digits: /^[0-9]{1,16}$/,
  /** Voicemail box: an extension, a DID or a user@domain. */
  mailbox: /^[A-Za-z0-9_@.+-]{1,64}$/,
  /** Dialplan names (config: contexts, extensions, profiles). */
  dialplanName: /^[A-Za-z0-9_.+*#-]{1,64}$/,
  /** Sound paths: no spaces, no `!` (file_string separator), no quotes. */
  sound: /^[A-Za-z0-9_/.${}:%(),;=-]{1,256}$/,
} as const;

export function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new EslCommandError(`${what} refused: ${quoteShown(value, 40)}`);
  return value;
}
