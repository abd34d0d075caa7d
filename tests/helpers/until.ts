/** Polls `cond` (every 10 ms) until it holds; fails naming `what` after `timeoutMs`: a bound for a broken run, never
 * a timing the test relies on. */
export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
