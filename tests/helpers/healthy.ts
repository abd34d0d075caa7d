/** The store connects in the background (fail-fast client): wait until /healthz says chut answers. */
export async function untilHealthy(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${url}/healthz`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('chut did not become healthy');
}
