/** Call monitoring from AMI events: who answered, talk time, cause; bounded state under any traffic. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { createCallMonitor, endpointOf } from '../../../src/ami/monitor.js';
import type { CallEnrichment } from '../../../src/reputation/types.js';
import type { ScreeningService } from '../../../src/screening/types.js';

function recorder() {
  const enriched: Array<[string, CallEnrichment]> = [];
  const screening = { enrichCall: async (id: string, e: CallEnrichment) => { enriched.push([id, e]); } } as unknown as ScreeningService;
  return { enriched, screening };
}

describe('endpointOf', () => {
  it.each([
    ['Local/100@phone-sim-00000002;1', '100'],
    ['PJSIP/alice-0000002a', 'alice'],
    ['SIP/201-00000012', '201'],
    ['PJSIP/trunk', 'trunk'],
    ['garbage', null],
    ['PJSIP/bad name-00000001', null],
  ])('%s → %s', (channel, expected) => {
    expect(endpointOf(channel)).toBe(expected);
  });
});

describe('call monitor', () => {
  it('follows a screened call to its hangup and enriches it once', async () => {
    let now = 1_000_000;
    const { enriched, screening } = recorder();
    const m = createCallMonitor({ screening, logger: silentLogger(), callTimeoutMs: 60_000, followQueries: true, stasisApp: null, clock: () => now });
    m.handle({ type: 'chut-query', channel: 'PJSIP/trunk-1', uniqueid: '1.1', callerNumber: '', callerName: '', dialled: '', verstat: null, waitMs: 2000, context: 'chut-screen', version: 2 });
    m.handle({ type: 'dial-begin', uniqueid: '1.1', destUniqueid: '1.2', destChannel: 'PJSIP/alice-00000002' });
    now += 3000;
    m.handle({ type: 'dial-end', uniqueid: '1.1', destChannel: 'PJSIP/alice-00000002', dialStatus: 'ANSWER' });
    m.handle({ type: 'bridge-enter', uniqueid: '1.1', bridge: 'b' });
    now += 42_400;
    m.handle({ type: 'hangup', channel: 'PJSIP/trunk-1', uniqueid: '1.1', cause: 16, causeText: 'Normal Clearing', context: 'from-trunk', exten: '100', up: true });
    m.handle({ type: 'hangup', channel: 'PJSIP/trunk-1', uniqueid: '1.1', cause: 16, causeText: 'Normal Clearing', context: 'from-trunk', exten: '100', up: true });
    await m.idle();
    expect(enriched).toEqual([['1.1', { answered: true, answeredBy: 'alice', talkSeconds: 42, hangupCause: 'Normal Clearing' }]]);
    expect(m.size()).toBe(0);
  });

  it('an unanswered call: no talk time, the cause code when there is no text', async () => {
    const { enriched, screening } = recorder();
    const m = createCallMonitor({ screening, logger: silentLogger(), callTimeoutMs: 60_000, followQueries: true, stasisApp: 'chut' });
    m.handle({ type: 'stasis-start', channel: 'PJSIP/trunk-9', uniqueid: '9.9', app: 'chut' });
    m.handle({ type: 'dial-end', uniqueid: '9.9', destChannel: 'PJSIP/bob-1', dialStatus: 'NOANSWER' });
    m.handle({ type: 'hangup', channel: 'PJSIP/trunk-9', uniqueid: '9.9', cause: 19, causeText: null, context: 'from-trunk', exten: '100', up: true });
    await m.idle();
    expect(enriched).toEqual([['9.9', { answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'cause 19' }]]);
  });

  it('ignores channels chut never screened, whatever the volume', async () => {
    const { enriched, screening } = recorder();
    const m = createCallMonitor({ screening, logger: silentLogger(), callTimeoutMs: 60_000, followQueries: true, stasisApp: null });
    for (let i = 0; i < 20_000; i += 1) {
      m.handle({ type: 'new-channel', channel: `PJSIP/x-${i}`, uniqueid: `5.${i}` });
      m.handle({ type: 'stasis-start', channel: `PJSIP/x-${i}`, uniqueid: `5.${i}`, app: 'chut' }); // ARI not enabled here
      m.handle({ type: 'hangup', channel: `PJSIP/x-${i}`, uniqueid: `5.${i}`, cause: 16, causeText: 'Normal Clearing', context: 'from-trunk', exten: '100', up: true });
    }
    await m.idle();
    expect(m.size()).toBe(0);
    expect(enriched).toEqual([]);
  });

  it('follows only calls entering our own Stasis app', async () => {
    const { enriched, screening } = recorder();
    const m = createCallMonitor({ screening, logger: silentLogger(), callTimeoutMs: 60_000, followQueries: true, stasisApp: 'chut' });
    m.handle({ type: 'stasis-start', channel: 'PJSIP/a-1', uniqueid: '3.1', app: 'other-app' });
    m.handle({ type: 'stasis-start', channel: 'PJSIP/a-2', uniqueid: '3.2', app: 'chut' });
    m.handle({ type: 'hangup', channel: 'PJSIP/a-1', uniqueid: '3.1', cause: 16, causeText: 'Normal Clearing', context: 'from-trunk', exten: '100', up: true });
    m.handle({ type: 'hangup', channel: 'PJSIP/a-2', uniqueid: '3.2', cause: 16, causeText: 'Normal Clearing', context: 'from-trunk', exten: '100', up: true });
    await m.idle();
    expect(enriched.map(([id]) => id)).toEqual(['3.2']);
  });

  it('stays bounded when hangups are missed: oldest evicted past maxCalls, the rest after callTimeoutMs', () => {
    let now = 0;
    const { screening } = recorder();
    const m = createCallMonitor({ screening, logger: silentLogger(), callTimeoutMs: 1000, followQueries: true, stasisApp: 'chut', maxCalls: 100, clock: () => now });
    for (let i = 0; i < 1000; i += 1) m.handle({ type: 'stasis-start', channel: 'PJSIP/t-1', uniqueid: `7.${i}`, app: 'chut' });
    expect(m.size()).toBe(100);
    now += 1000;
    m.sweep();
    expect(m.size()).toBe(0);
  });
});
