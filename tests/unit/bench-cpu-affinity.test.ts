import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { affinityOf, commandOf, parseCpuList } from '../../bench/cpu-affinity.js';
import { runQueueWaitMs } from '../../bench/run-queue.js';

/** util-linux's taskset, which the benchmark needs (it says so and skips without it). */
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

describe('the placement benchmark reads CPU lists as taskset prints them', () => {
  it('reads single CPUs, ranges and both mixed', () => {
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('0,1')).toEqual([0, 1]);
    expect(parseCpuList('0-3,6\n')).toEqual([0, 1, 2, 3, 6]);
  });

  it('refuses what is not a CPU list rather than binding to a wrong one', () => {
    for (const text of ['', 'x', '3-1', '0,,1', '1-', '0-99999']) expect(parseCpuList(text)).toBeNull();
  });

  it.runIf(process.platform === 'linux' && hasTaskset)('reads this process: its CPUs, and its command name', () => {
    const cpus = affinityOf(process.pid);
    expect(cpus?.length).toBeGreaterThanOrEqual(1);
    expect(cpus?.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    expect(commandOf(process.pid)).toMatch(/node|vitest/);
    expect(commandOf(2 ** 22 + 7)).toBeNull();
  });
});

describe('the placement benchmark reads how long a process waited for a CPU', () => {
  it.runIf(process.platform === 'linux')('in milliseconds, for a process that exists; null for one that does not', () => {
    expect(runQueueWaitMs(process.pid)).toBeGreaterThanOrEqual(0);
    expect(runQueueWaitMs(2 ** 22 + 7)).toBeNull();
  });
});
