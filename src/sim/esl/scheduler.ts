/**
 * FreeSWITCH's core scheduler (src/switch_scheduler.c) as the simulated channels need it, and the two `api` commands
 * chut sends about it, answered as mod_commands answers them. Modelled from the FreeSWITCH source, not from a
 * recording (no transcript holds these commands):
 *
 * - A task has an id (a global counter from 1) and a group: `sched_transfer` (the dialplan app, mod_dptools, and
 *   the api, mod_commands) both call switch_ivr_schedule_transfer, whose group is the call's uuid. The app sets the
 *   channel variable `last_sched_id`; the api answers `+OK\n` only (`-ERR No Such Channel!\n` for an unknown uuid,
 *   `-USAGE: …\n` for fewer than 2 or more than 5 arguments).
 * - The clock is whole seconds: `+N` runs at `now_in_whole_seconds + N`, so between N-1 and N seconds after it was
 *   scheduled (the real thread looks every half second, which this model leaves out).
 * - `sched_del <id|group>` answers `+OK Deleted: <count>\n` (`-ERR Invalid syntax\n` without an argument); the
 *   `sched_cancel` app (no data: the call's uuid) deletes the same way and answers nothing. A task that already ran
 *   is gone: deleting it counts 0. (A task the real scheduler is running at that very instant counts as deleted in
 *   a group delete; a JavaScript task runs in one go, so that instant does not exist here.)
 *
 * Time can be scaled (`secondMs`) so that a test's bound of 10 "seconds" lasts a couple of seconds, and made to jump
 * ahead (`advance`) so that a test reaches a bound's time at a point it chooses instead of by waiting for it.
 */

interface Task {
  id: number;
  group: string;
  /** When it runs, on the scheduler's clock (ms). */
  runAt: number;
  run: () => void;
  timer?: NodeJS.Timeout;
}

const SCHED_TRANSFER_USAGE = '[+]<time> <uuid> <extension> [<dialplan>] [<context>]';

export class SimScheduler {
  private nextId = 0;
  private readonly tasks = new Map<number, Task>();
  private readonly epoch = Date.now();
  /** How far `advance` moved the clock ahead of real time (ms). */
  private jumped = 0;

  /** `secondMs`: how long one scheduler second lasts (1000 on a real FreeSWITCH). */
  constructor(readonly secondMs = 1000) {}

  /** Runs `run` at the first whole scheduler second at or after `seconds` from now; returns the task id. */
  add(seconds: number, group: string, run: () => void): number {
    const id = ++this.nextId;
    const runAt = (Math.floor(this.now() / this.secondMs) + Math.max(0, Math.trunc(seconds))) * this.secondMs;
    const task: Task = { id, group, runAt, run };
    this.arm(task);
    this.tasks.set(id, task);
    return id;
  }

  /** The clock jumps `seconds` ahead: tasks now due run at once (in the order they were added), the others keep what
   * is left of their time. */
  advance(seconds: number): void {
    this.jumped += seconds * this.secondMs;
    for (const task of this.tasks.values()) this.arm(task);
  }

  private now(): number {
    return Date.now() - this.epoch + this.jumped;
  }

  private arm(task: Task): void {
    clearTimeout(task.timer);
    task.timer = setTimeout(() => {
      this.tasks.delete(task.id);
      task.run();
    }, Math.max(0, task.runAt - this.now()));
  }

  /** switch_scheduler_del_task_group: how many pending tasks of `group` were deleted. */
  deleteGroup(group: string): number {
    let count = 0;
    for (const task of [...this.tasks.values()]) {
      if (group === '' || task.group !== group) continue;
      clearTimeout(task.timer);
      this.tasks.delete(task.id);
      count++;
    }
    return count;
  }

  /** switch_scheduler_del_task_id. */
  deleteId(id: number): number {
    const task = this.tasks.get(id);
    if (!task) return 0;
    clearTimeout(task.timer);
    this.tasks.delete(id);
    return 1;
  }

  /** Tasks of `group` still waiting to run. */
  pending(group: string): number {
    let count = 0;
    for (const task of this.tasks.values()) if (task.group === group) count++;
    return count;
  }

  stop(): void {
    for (const task of this.tasks.values()) clearTimeout(task.timer);
    this.tasks.clear();
  }
}

/** `atol` of the time argument: `+N` (N seconds from now); the absolute form is read the same way here. */
function seconds(arg: string): number {
  const n = Number.parseInt(arg.replace(/^\+/, ''), 10);
  return Number.isFinite(n) ? n : 0;
}

/** The scheduler's own delete (the `sched_cancel` app and the `sched_del` api): an all-digit argument is a task id. */
export function deleteTasks(scheduler: SimScheduler, what: string): number {
  if (/^\d+$/.test(what)) return Number(what) > 0 ? scheduler.deleteId(Number(what)) : 0;
  return scheduler.deleteGroup(what);
}

/**
 * The body of the `api/response` for `sched_del` and `sched_transfer` (mod_commands), or null for another command.
 * `schedule(…)` schedules the transfer of call `uuid`: its task id, or null when no such call exists.
 */
export function schedApiReply(command: string, scheduler: SimScheduler,
  schedule: (seconds: number, uuid: string, extension: string, dialplan: string, context: string) => number | null): string | null {
  const text = command.trim();
  const [cmd = '', ...rest] = text.split(' ');
  const arg = rest.join(' ');
  if (cmd === 'sched_del') {
    if (arg === '') return '-ERR Invalid syntax\n';
    return `+OK Deleted: ${deleteTasks(scheduler, arg)}\n`;
  }
  if (cmd === 'sched_transfer') {
    // switch_separate_string into 6 slots: a 7th word joins the 6th, so more than 5 words is a usage error
    const argv = arg === '' ? [] : arg.split(/ +/);
    if (argv.length < 2 || argv.length > 5 || argv[0] === '') return `-USAGE: ${SCHED_TRANSFER_USAGE}\n`;
    const [when = '', uuid = '', extension = '', dialplan = '', context = ''] = argv;
    return schedule(seconds(when), uuid, extension, dialplan, context) !== null ? '+OK\n' : '-ERR No Such Channel!\n';
  }
  return null;
}
