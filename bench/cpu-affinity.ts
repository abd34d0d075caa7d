/**
 * A process's CPU affinity, read and set with util-linux `taskset` (Node has no API for it). `-a` sets every thread
 * of the process, as systemd's `CPUAffinity=` does: Node's garbage-collector and compiler threads go with its main
 * thread, Redis's background threads with Redis.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** "0-2,5" → [0, 1, 2, 5]; null when the text is not such a list. */
export function parseCpuList(text: string): number[] | null {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 4096) return null;
    for (let c = from; c <= to; c++) cpus.push(c);
  }
  return cpus.length ? cpus : null;
}

/** The CPUs `pid` may run on, or null when `taskset` is missing or cannot read them. */
export function affinityOf(pid: number): number[] | null {
  const r = spawnSync('taskset', ['-pc', String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const m = /list:\s*(\S+)\s*$/m.exec(r.stdout);
  return m?.[1] ? parseCpuList(m[1]) : null;
}

/** Binds every thread of `pid` to `cpus`; returns why it could not, or null. */
export function setAffinity(pid: number, cpus: readonly number[]): string | null {
  const r = spawnSync('taskset', ['-apc', cpus.join(','), String(pid)], { encoding: 'utf8' });
  if (r.error) return `taskset: ${r.error.message}`;
  return r.status === 0 ? null : `taskset -apc ${cpus.join(',')} ${pid}: ${(r.stderr || r.stdout).trim() || `exit ${r.status ?? '?'}`}`;
}

/** The command name of a process on this machine, or null when there is none by that pid (or /proc is hidden). */
export function commandOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}
