/** The one pino factory: secrets are redacted wherever they appear in a logged object. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

const REDACT = [
  'password', '*.password', '*.*.password', 'token', '*.token', '*.*.token', 'secret', '*.secret',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'chut' } }, destination);
}

/** A logger that writes nothing (tests, the demo's quiet mode). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
