import { describe, it, expect } from 'vitest';
import { createMetrics } from '../../../src/http/metrics.js';
import type { CallRecord } from '../../../src/reputation/types.js';
import type { InboundCall, ScreeningDecision } from '../../../src/screening/types.js';

function record(over: Partial<CallRecord> = {}): CallRecord {
  return {
    time: Date.now(), pbx: 'asterisk-ari', callId: 'c1', rawCaller: '0162000000', caller: '+33162000000', callerKind: 'valid',
    callerName: '', dialled: '+33100000000', action: 'reject', route: 'reject', rule: 'fr-npv', reasons: [],
    shadow: false, degraded: false, captcha: null, latencyMs: 3, ...over,
  };
}

function sample(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : null;
}

describe('createMetrics', () => {
  it('counts calls by pbx, action, route and rule, plus captcha, degraded and shadow', async () => {
    const m = createMetrics();
    m.onCallRecord?.(record());
    m.onCallRecord?.(record());
    m.onCallRecord?.(record({ action: 'captcha', route: 'ring', rule: 'unknown', captcha: 'passed' }));
    m.onCallRecord?.(record({ action: 'reject', route: 'ring', rule: 'fr-npv', shadow: true }));
    m.onCallRecord?.(record({ action: 'ring', route: 'ring', rule: 'degraded', degraded: true, pbx: 'freeswitch' }));
    const text = await m.render();
    expect(sample(text, 'chut_calls_total{pbx="asterisk-ari",action="reject",route="reject",rule="fr-npv"}')).toBe(2);
    expect(sample(text, 'chut_calls_total{pbx="freeswitch",action="ring",route="ring",rule="degraded"}')).toBe(1);
    expect(sample(text, 'chut_captcha_outcomes_total{outcome="passed"}')).toBe(1);
    expect(sample(text, 'chut_captcha_outcomes_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'chut_degraded_decisions_total')).toBe(1);
    expect(sample(text, 'chut_shadow_decisions_total')).toBe(1);
  });

  it('starts every call series the policy can produce, and the call path\'s store errors, at zero (rate() never counts a first sample)', async () => {
    const m = createMetrics({ pbx: ['asterisk-ari', 'freeswitch'], decisions: [{ rule: 'blocklist', action: 'reject' }, { rule: 'fail-open', action: 'ring' }] });
    const text = await m.render();
    for (const pbx of ['asterisk-ari', 'freeswitch']) {
      for (const route of ['ring', 'voicemail', 'reject', 'hung-up']) {
        expect(sample(text, `chut_calls_total{pbx="${pbx}",action="reject",route="${route}",rule="blocklist"}`)).toBe(0);
        expect(sample(text, `chut_calls_total{pbx="${pbx}",action="ring",route="${route}",rule="fail-open"}`)).toBe(0);
      }
    }
    for (const operation of ['lookup', 'recordCall', 'applyOutcome', 'enrichCall']) {
      expect(sample(text, `chut_redis_errors_total{operation="${operation}"}`)).toBe(0);
    }
  });

  it('starts the HTTP API\'s bugs at zero for each of its store operations and `other`: a bug is rare, its first occurrence the one to see', async () => {
    const m = createMetrics();
    for (const operation of ['stats', 'calls', 'explain', 'report', 'addListEntry', 'removeListEntry', 'export', 'listOverlap', 'importList', 'other']) {
      expect(sample(await m.render(), `chut_api_internal_errors_total{operation="${operation}"}`)).toBe(0);
    }
    m.internalError('stats');
    expect(sample(await m.render(), 'chut_api_internal_errors_total{operation="stats"}')).toBe(1);
    expect(sample(await m.render(), 'chut_redis_errors_total{operation="stats"}')).toBeNull();
  });

  it('counts connections refused by an adapter\'s allowFrom, from zero for each adapter that listens', async () => {
    const m = createMetrics({ pbx: ['freeswitch'], decisions: [], listeners: ['esl'] });
    expect(sample(await m.render(), 'chut_pbx_peers_refused_total{adapter="esl"}')).toBe(0);
    m.peerRefused('esl');
    m.peerRefused('esl');
    expect(sample(await m.render(), 'chut_pbx_peers_refused_total{adapter="esl"}')).toBe(2);
  });

  it('observes decision latency in seconds', async () => {
    const m = createMetrics();
    m.onDecision?.({ latencyMs: 3 } as ScreeningDecision, {} as InboundCall);
    m.onDecision?.({ latencyMs: 40 } as ScreeningDecision, {} as InboundCall);
    const text = await m.render();
    expect(sample(text, 'chut_decision_latency_seconds_count')).toBe(2);
    expect(sample(text, 'chut_decision_latency_seconds_sum')).toBeCloseTo(0.043);
    expect(sample(text, 'chut_decision_latency_seconds_bucket{le="0.005"}')).toBe(1);
  });

  it('tracks adapter state, store errors and auto-blocks', async () => {
    const m = createMetrics();
    m.setAdapterStatus('ari', { state: 'ready', since: 1 });
    m.setAdapterStatus('ami', { state: 'reconnecting', since: 1, attempt: 2, lastError: 'ECONNREFUSED' });
    m.redisError('lookup');
    m.onStoreError?.('lookup', new Error('x'));
    m.onAutoBlock?.('+33162000000', 97);
    const text = await m.render();
    expect(sample(text, 'chut_pbx_connection_up{adapter="ari"}')).toBe(1);
    expect(sample(text, 'chut_pbx_connection_up{adapter="ami"}')).toBe(0);
    expect(sample(text, 'chut_redis_errors_total{operation="lookup"}')).toBe(2);
    expect(sample(text, 'chut_auto_blocks_total')).toBe(1);
    m.setAdapterStatus('ari', { state: 'closed', since: 2 });
    expect(sample(await m.render(), 'chut_pbx_connection_up{adapter="ari"}')).toBe(0);
  });

  it('includes default process metrics with the chut_ prefix, and instances do not share counters', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.onCallRecord?.(record());
    const text = await b.render();
    expect(text).toContain('chut_process_cpu_user_seconds_total');
    expect(text).not.toContain('chut_calls_total{');
    expect(a.contentType).toMatch(/^text\/plain/);
  });
});
