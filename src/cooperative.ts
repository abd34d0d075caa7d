/**
 * Long CPU work on the event loop, in slices: a generator's steps run until `budgetMs` has passed, then the loop
 * gets a turn (calls being screened, Redis replies) before the next slice. A 900,000-line API import otherwise held
 * the loop for seconds, and with it every call waiting for a decision: the screener's deadline cannot fire while
 * the loop is held.
 */
export interface CooperativeOptions {
  /** Longest slice before giving the loop a turn. */
  budgetMs?: number;
  now?: () => number;
  /** How the loop gets its turn (setImmediate: after pending I/O). */
  pause?: () => Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Drives `steps` to its end, giving the loop a turn whenever a slice has used its budget (each step is already a
 * sizeable piece of work: the clock is read after every one). */
export async function runCooperatively<T>(steps: Generator<unknown, T, undefined>, o: CooperativeOptions = {}): Promise<T> {
  const slice = slicer({ ...o, checkEvery: 1 });
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (slice.due()) await slice.pause();
  }
}

/** The same slices inside a plain loop: `if (slice.due()) await slice.pause();` at each iteration. */
export interface Slice {
  due(): boolean;
  pause(): Promise<void>;
}

/** By default checks the clock once every 16 iterations (a clock read costs ~0.1 µs): due() costs next to nothing in
 * a hot loop, and an iteration as heavy as a whole bucket's write still gets its turn within the budget. */
export function slicer(o: CooperativeOptions & { checkEvery?: number } = {}): Slice {
  const budgetMs = o.budgetMs ?? 8;
  const now = o.now ?? (() => performance.now());
  const pause = o.pause ?? nextTurn;
  const every = o.checkEvery ?? 16;
  let sliceStart = now();
  let n = 0;
  return {
    due: () => ++n % every === 0 && now() - sliceStart >= budgetMs,
    async pause() {
      await pause();
      sliceStart = now();
    },
  };
}
