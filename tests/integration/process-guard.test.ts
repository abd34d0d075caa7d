/** chut run's last line of defence, in a child process: a stray rejection is logged and the service goes on; an
 * uncaught exception is logged and the process exits 1 (its service manager restarts it; calls ring meanwhile). */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { expect, it, vi } from 'vitest';

// Each test loads chut's modules in a child Node (1.6 s a test in CI; ten times that with the CPU loaded, past the
// 10 s the child was given). A child that never ends still fails, at its own 60 s bound.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const RUN = pathToFileURL(resolve('dist/src/cli/commands/run.js')).href;
const LOGGER = pathToFileURL(resolve('dist/src/logger.js')).href;

function child(body: string): { status: number | null; out: string } {
  const script = `const { guardProcess } = await import(${JSON.stringify(RUN)});
const { createLogger } = await import(${JSON.stringify(LOGGER)});
guardProcess(createLogger('info', process.stdout));
${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

it('a promise rejection nobody handles is logged, and the process goes on', () => {
  const r = child(`Promise.reject(new Error('stray'));
setTimeout(() => { console.log('still screening'); process.exit(0); }, 100);`);
  expect(r.out).toMatch(/unhandled promise rejection \(a bug\): chut goes on/);
  expect(r.out).toContain('still screening');
  expect(r.status).toBe(0);
});

it('an uncaught exception is logged and the process exits 1', () => {
  const r = child(`setTimeout(() => { throw new Error('boom'); }, 10);
setInterval(() => {}, 1000); // a server keeping the loop alive`);
  expect(r.out).toMatch(/uncaught exception \(a bug\): chut exits/);
  expect(r.status).toBe(1);
});
