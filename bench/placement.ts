/**
 * Where the kernel runs chut and Redis, measured: the core benchmark's 50-calls-in-progress row (new callers), run as
 * the kernel places the two processes and again with each bound to a CPU of its own (as `CPUAffinity=` in their
 * systemd units would), alternately, so that both placements see the same hour of a shared machine.
 *
 * Why: chut and Redis talk over loopback, and each message wakes the other with a synchronous wake-up, for which the
 * scheduler may run the woken process on the waker's CPU, expecting the waker to sleep at once. Node does not (it goes
 * on with other calls' work), so Redis waits for its turn on a busy CPU while the other one idles; a bare PING never
 * shows it (it leaves Node nothing else to do). Bound to different CPUs, neither waits for the other. Each row says
 * how long Redis and chut's main thread waited for a CPU while ready to run (the kernel's run-queue wait), which is
 * where the difference shows. The benchmark changes the affinity of the Redis server it measures and puts it back
 * afterwards; it needs a local Redis, Linux, util-linux `taskset`, two CPUs and the right to set Redis's affinity (root or
 * CAP_SYS_NICE), and says which is missing otherwise.
 */
import { availableParallelism } from 'node:os';
import type { BenchOptions } from './main.js';
import { inProgress, openBenchScreening } from './core.js';
import { affinityOf, commandOf, setAffinity } from './cpu-affinity.js';
import { runQueueWaitMs } from './run-queue.js';
import type { Redis } from 'ioredis';

interface Placement {
  /** The CPUs chut and Redis may use as found, put back after the run. */
  chut: number[];
  redis: number[];
  redisPid: number;
  /** Where each is bound for the bound rows: two CPUs both may use. */
  chutCpu: number;
  redisCpu: number;
}

async function redisPid(redis: Redis): Promise<number | null> {
  const info = await redis.info('server');
  const m = /^process_id:(\d+)\r?$/m.exec(info);
  return m ? Number(m[1]) : null;
}

/** The two CPUs to bind chut and Redis to, and what both may use now; or why the run cannot bind them. */
async function placement(redis: Redis): Promise<Placement | string> {
  if (process.platform !== 'linux') return 'CPU affinity is measured on Linux only';
  if (availableParallelism() < 2) return 'one CPU: nothing to separate';
  const pid = await redisPid(redis);
  if (pid === null) return 'Redis did not say its process id (INFO server)';
  if (!commandOf(pid)?.startsWith('redis')) return `Redis's process ${pid} is not on this machine (or not visible from here)`;
  const chut = affinityOf(process.pid);
  const redisCpus = affinityOf(pid);
  if (!chut || !redisCpus) return 'taskset (util-linux) could not read the CPU affinity';
  const shared = chut.filter((c) => redisCpus.includes(c));
  const [chutCpu, redisCpu] = shared;
  if (chutCpu === undefined || redisCpu === undefined) return `chut and Redis may share only CPU(s) ${shared.join(',') || 'none'}: nothing to separate`;
  return { chut, redis: redisCpus, redisPid: pid, chutCpu, redisCpu };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const bench = await openBenchScreening(opts);
  const { screening, redis } = bench;
  try {
    const p = await placement(redis);
    if (typeof p === 'string') {
      opts.say(`skipped: ${p}`);
      return { skipped: p };
    }
    const { chutCpu, redisCpu } = p;
    /** Puts an affinity back as found; a failure is said (Redis left bound would go on running on one CPU). */
    const restore = (pid: number, cpus: number[], whose: string) => {
      const failed = setAffinity(pid, cpus);
      if (failed) opts.say(`could not put ${whose} back on CPUs ${cpus.join(',')}: ${failed}`);
    };
    const indented = { ...opts, say: (line: string) => opts.say(`  ${line}`) };
    /** The in-progress row, with how long Redis and chut waited for a CPU meanwhile (the row's PING floor included). */
    const measured = async (): Promise<Record<string, unknown>> => {
      const redisBefore = runQueueWaitMs(p.redisPid);
      const chutBefore = runQueueWaitMs(process.pid);
      const row = await inProgress(screening, redis, indented, 50, 50, false);
      const waited = (after: number | null, before: number | null) => (after === null || before === null ? null : Math.round(after - before));
      const redisWaited = waited(runQueueWaitMs(p.redisPid), redisBefore);
      const chutWaited = waited(runQueueWaitMs(process.pid), chutBefore);
      if (redisWaited !== null && chutWaited !== null) {
        indented.say(`  waiting for a CPU while ready to run, over the row and its floor: Redis ${redisWaited} ms, chut's main thread ${chutWaited} ms`);
      }
      return { ...row, redis_run_queue_wait_ms: redisWaited, chut_run_queue_wait_ms: chutWaited };
    };
    const rows: Array<{ bound: boolean; row: Record<string, unknown> }> = [];
    const rounds = opts.quick ? 1 : 2;
    for (let round = 1; round <= rounds; round++) {
      opts.say(`round ${round}: as the kernel places chut and Redis (chut may run on CPUs ${p.chut.join(',')}, Redis on ${p.redis.join(',')})`);
      rows.push({ bound: false, row: await measured() });
      const refused = setAffinity(process.pid, [chutCpu]) ?? setAffinity(p.redisPid, [redisCpu]);
      if (refused) {
        // either may be bound already, or some of its threads (taskset -a goes thread by thread)
        restore(process.pid, p.chut, 'chut');
        restore(p.redisPid, p.redis, 'Redis');
        opts.say(`skipped the bound rows: ${refused}`);
        return { skipped: refused, rows };
      }
      opts.say(`round ${round}: chut bound to CPU ${chutCpu}, Redis to CPU ${redisCpu} (taskset -apc)`);
      try {
        rows.push({ bound: true, row: await measured() });
      } finally {
        restore(process.pid, p.chut, 'chut');
        restore(p.redisPid, p.redis, 'Redis');
      }
    }
    const p99s = (bound: boolean) => rows.filter((r) => r.bound === bound).map((r) => `${String(r.row.p99_ms)} ms (${((r.row.share_over_1ms as number) * 100).toFixed(2)} % over 1 ms)`).join(', ');
    opts.say(`p99 with 50 calls in progress: as placed ${p99s(false)}; bound ${p99s(true)}`);
    return { chut_cpu: chutCpu, redis_cpu: redisCpu, rows: rows.map((r) => ({ placement: r.bound ? 'bound' : 'as placed', ...r.row })) };
  } finally {
    await bench.close();
  }
}
