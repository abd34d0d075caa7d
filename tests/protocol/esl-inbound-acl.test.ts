/**
 * FreeSWITCH's event socket checks `apply-inbound-acl` before it asks for the password: chut in a container or on
 * another host is refused with `text/rude-rejection` (`Access Denied, go away.`). The monitor must say so, and how to
 * fix it, in /healthz and the log, not "closed by peer (not authenticated)" every backoff; and get in once allowed.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startHarness, type Harness } from '../fakes/esl/harness.js';

let h: Harness;
const logs: Array<{ level: number; msg: string; reason?: string }> = [];

beforeAll(async () => {
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(JSON.parse(String(chunk)) as (typeof logs)[number]); done(); } });
  h = await startHarness({}, {}, { logger: createLogger('warn', sink) });
});
afterAll(async () => { await h?.close(); });

async function waitFor(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ESL monitor refused by the event socket ACL', () => {
  it('names the ACL and the fix in the status and the log, retries, and logs in once the address is allowed', async () => {
    const adapter = h.chut.adapters.find((a) => a.name === 'esl');
    const port = h.sim.inbound.port;
    await waitFor(() => adapter?.status().state === 'ready');
    // FreeSWITCH restarts with an ACL that does not list chut's address.
    await h.sim.inbound.stop();
    await waitFor(() => logs.some((l) => l.msg === 'ESL monitor disconnected'));
    h.sim.denyInboundByAcl();
    const refusedBefore = h.sim.inbound.connectionsAccepted;
    await h.sim.inbound.start(port);
    const sinceRestart = logs.length;
    const aclRetries = (): string[] => logs.slice(sinceRestart)
      .filter((l) => l.msg === 'ESL monitor disconnected').map((l) => l.reason ?? '');
    // Wait for chut to have read two refusals, not only for the simulator to have accepted two connections: the
    // second refusal's log line may come a moment after the accept (CI saw 1 of 2 when it checked on the accept).
    await waitFor(() => h.sim.inbound.connectionsAccepted >= refusedBefore + 2
      && aclRetries().filter((r) => /event socket ACL/.test(r)).length >= 2);
    const status = adapter?.status();
    expect(status?.state).toBe('reconnecting');
    const lastError = status && 'lastError' in status ? status.lastError : '';
    expect(lastError).toMatch(/^rejected by FreeSWITCH's event socket ACL \(text\/rude-rejection: Access Denied, go away\.\): allow the address chut connects from in the list named by apply-inbound-acl in event_socket\.conf\.xml/);
    // One error with the fix (not one per retry); every retry's warning carries the reason.
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/refused chut's address before authentication \(Access Denied, go away\.\): .*apply-inbound-acl in event_socket\.conf\.xml, then run reloadacl/);
    // (A retry still in flight while FreeSWITCH was down may say ECONNREFUSED; none says only "closed by peer".)
    const retries = aclRetries();
    expect(retries.filter((r) => /event socket ACL/.test(r)).length).toBeGreaterThanOrEqual(2);
    expect(retries.filter((r) => r.startsWith('closed by peer'))).toEqual([]);

    // The administrator allows the address (reloadacl): the next retry logs in.
    h.sim.denyInboundByAcl(false);
    await waitFor(() => adapter?.status().state === 'ready', 20_000);
  }, 30_000);
});
