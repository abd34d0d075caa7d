/** Races a promise against a deadline. The loser is left to settle on its own, its rejection observed. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(readonly ms: number) {
    super(`deadline of ${ms} ms exceeded`);
  }
}

export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(ms)), ms);
  });
  work.catch(() => undefined); // a late failure must not become an unhandled rejection
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
