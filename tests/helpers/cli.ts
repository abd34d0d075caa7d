/** Runs the built `chut` command (dist/, built by `npm test` before vitest) as a user would. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CHUT_BIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `chut ARGS…` left running (to be signalled, or cut off from Redis, mid-command), its stderr readable meanwhile. */
export function spawnChut(args: string[], env: Record<string, string> = {}, opts: { stdin?: 'pipe' | 'ignore'; cwd?: string } = {}) {
  const child = spawn(process.execPath, [CHUT_BIN, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CHUT_LOG_LEVEL: 'warn', ...env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** `chut ARGS…` run to its end, `input` on its standard input; rejects if it outlives `timeoutMs` (killed). */
export function runChut(args: string[], env: Record<string, string> = {}, opts: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const { child, exited, stdout, stderr } = spawnChut(args, env, { stdin: 'pipe', ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`chut ${args.join(' ')} timed out\n${stdout()}\n${stderr()}`)); }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    void exited.then((res) => { clearTimeout(timer); resolve(res); });
    child.stdin!.end(opts.input ?? '');
  });
}
