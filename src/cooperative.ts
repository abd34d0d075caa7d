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

export async function runCooperatively<T>(steps: Generator<unknown, T, undefined>, o: CooperativeOptions = {}): Promise<T> {
  const budgetMs = o.budgetMs ?? 8;
  const now = o.now ?? (() => performance.now());
  const pause = o.pause ?? nextTurn;
  let sliceStart = now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (now() - sliceStart >= budgetMs) {
      await pause();
      sliceStart = now();
    }
  }
}

/** The same slices inside a plain loop: `if (slice.due()) await slice.pause();` at each iteration. */
export interface Slice {
  due(): boolean;
  pause(): Promise<void>;
}

/** Checks the clock once every 16 iterations (a clock read costs ~0.1 µs): due() costs next to nothing in a hot loop,
 * and an iteration as heavy as a whole bucket's write still gets its turn within the budget. */
export function slicer(o: CooperativeOptions = {}): Slice {
  const budgetMs = o.budgetMs ?? 8;
  const now = o.now ?? (() => performance.now());
  const pause = o.pause ?? nextTurn;
  let sliceStart = now();
  let n = 0;
  return {
    due: () => (++n & 15) === 0 && now() - sliceStart >= budgetMs,
    async pause() {
      await pause();
      sliceStart = now();
    },
  };
}
