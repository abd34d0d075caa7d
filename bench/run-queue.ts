/**
 * How long a process's main thread has waited for a CPU while ready to run (Linux, /proc/<pid>/task/<pid>/schedstat:
 * time on a CPU, time waiting on a run queue, in ns, and time slices). The placement benchmark reads it for Redis and
 * for chut around each row: the wait is what a call's round trip pays when both are queued on one CPU.
 */
import { readFileSync } from 'node:fs';

/** Milliseconds `pid`'s main thread has waited on a run queue since it started, or null where the kernel does not say. */
export function runQueueWaitMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
    const waitedNs = Number(fields[1]);
    return fields.length >= 3 && Number.isFinite(waitedNs) ? waitedNs / 1e6 : null;
  } catch {
    return null;
  }
}
