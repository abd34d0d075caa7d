import { describe, expect, it } from 'vitest';
import { defaultRetryDelay, enrichmentFrom, InboundMonitor } from '../../../src/esl/monitor.js';
import { silentLogger } from '../../../src/logger.js';
import { InboundEventServer } from '../../../src/sim/esl/inbound.js';
import type { CallEnrichment } from '../../../src/reputation/types.js';

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function monitor(port: number, password: string, seen: Array<[string, CallEnrichment]>): InboundMonitor {
  return new InboundMonitor({
    host: '127.0.0.1', port, password, logger: silentLogger(),
    isScreened: (id) => id.startsWith('screened-'),
    enrich: async (id, e) => { seen.push([id, e]); },
    retryDelayMs: () => 30,
  });
}

const hangupComplete = (id: string): Array<[string, string]> => [
  ['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', id], ['Hangup-Cause', 'NORMAL_CLEARING'],
  ['Caller-Channel-Answered-Time', '1795889590411208'], ['variable_billsec', '42'], ['variable_last_sent_callee_id_number', '1000'],
];

describe('ESL inbound monitor', () => {
  it('authenticates, subscribes, enriches only screened calls', async () => {
    const fs = new InboundEventServer('ClueCon');
    await fs.start();
    const seen: Array<[string, CallEnrichment]> = [];
    const m = monitor(fs.port, 'ClueCon', seen);
    m.start();
    await waitFor(() => m.status().state === 'ready');
    await waitFor(() => fs.authenticatedClients === 1);
    await new Promise((r) => setTimeout(r, 50));
    fs.publish(hangupComplete('other-call'));
    fs.publish(hangupComplete('screened-1'));
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toEqual(['screened-1', { answered: true, answeredBy: '1000', talkSeconds: 42, hangupCause: 'NORMAL_CLEARING' }]);
    m.stop();
    expect(m.status().state).toBe('closed');
    await fs.stop();
  });

  it('a wrong password: -ERR invalid, the status says so and it keeps retrying', async () => {
    const fs = new InboundEventServer('ClueCon');
    await fs.start();
    const m = monitor(fs.port, 'wrong', []);
    m.start();
    await waitFor(() => fs.connectionsAccepted >= 3 && m.status().state === 'reconnecting');
    const s = m.status();
    // what the operator reads: the password was refused (not a vague "closed by peer")
    expect(s.state === 'reconnecting' && s.lastError).toMatch(/^authentication refused: -ERR invalid/);
    expect(fs.authenticatedClients).toBe(0);
    m.stop();
    await fs.stop();
  });

  it('reconnects after FreeSWITCH restarts', async () => {
    const fs = new InboundEventServer('ClueCon');
    await fs.start();
    const port = fs.port;
    const m = monitor(port, 'ClueCon', []);
    m.start();
    await waitFor(() => m.status().state === 'ready');
    await fs.stop();
    await waitFor(() => m.status().state === 'reconnecting');
    const again = new InboundEventServer('ClueCon');
    await again.start(port);
    await waitFor(() => m.status().state === 'ready');
    m.stop();
    await again.stop();
  });

  it('backs off exponentially with jitter, capped', () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      const d = defaultRetryDelay(attempt);
      expect(d).toBeLessThanOrEqual(15_000);
      expect(d).toBeGreaterThanOrEqual(Math.min(15_000, 250 * 2 ** attempt) / 2);
    }
  });

  it('an unanswered call has no talk time and no answerer', () => {
    expect(enrichmentFrom({ 'Caller-Channel-Answered-Time': '0', 'Hangup-Cause': 'ORIGINATOR_CANCEL', variable_billsec: '0' }))
      .toEqual({ answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'ORIGINATOR_CANCEL' });
  });
});
