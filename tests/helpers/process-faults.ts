/** What a test file's code let escape to the process: an unhandled rejection or an uncaught exception. */
import { afterAll, beforeAll } from 'vitest';

/** Collects, from this file's first test to its last, whatever escapes to the process; expect it to stay empty. */
export function processFaults(): readonly unknown[] {
  const faults: unknown[] = [];
  const onFault = (err: unknown): void => { faults.push(err); };
  beforeAll(() => {
    process.on('unhandledRejection', onFault);
    process.on('uncaughtException', onFault);
  });
  afterAll(() => {
    process.off('unhandledRejection', onFault);
    process.off('uncaughtException', onFault);
  });
  return faults;
}
