/**
 * chut's own logger at `info`, as `chut run` builds it, writing each line synchronously (as to a pipe) into the
 * null device (or the file `CHUT_BENCH_LOG` names, to read what a benchmark logged): every screened call logs one
 * line in production, so the benchmarks pay for it too.
 */
import { devNull } from 'node:os';
import { pino } from 'pino';
import { createLogger, type Logger } from '../src/logger.js';

export function benchLogger(): Logger {
  return createLogger('info', pino.destination({ dest: process.env.CHUT_BENCH_LOG ?? devNull, sync: true }));
}
