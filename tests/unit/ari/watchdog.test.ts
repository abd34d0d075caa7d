/**
 * The ARI watchdog covers a screener that never routes: it rings the call. When that ring's continue fails too
 * (REST refused), the release list must take the channel over, as every other failed continue does: the screener
 * may never return, so nothing else would ever try again and the caller would sit in silence.
 */
import { describe, expect, it } from 'vitest';
import { screenCall } from '../../../src/ari/calls.js';
import { parseFrame, type StasisStart } from '../../../src/ari/events.js';
import type { CallSession } from '../../../src/ari/session.js';
import { parseConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import type { ScreeningService } from '../../../src/screening/types.js';
import { channel, fakeRest } from './fake-rest.js';

function stasisStart(): StasisStart {
  const p = parseFrame(JSON.stringify({ type: 'StasisStart', application: 'chut', args: [], channel }));
  if (!p.ok || p.event.type !== 'StasisStart') throw new Error('bad test frame');
  return p.event;
}

describe('ARI watchdog', () => {
  it('hands the channel to the release list when its continue fails and the screener never returns', { timeout: 15_000 }, async () => {
    const { rest, sent } = fakeRest((s) => (s.path.endsWith('/continue') ? 503 : null));
    const released: Array<{ id: string; overwriteRoute?: boolean }> = [];
    const neverRoutes = { handleCall: () => new Promise(() => undefined) } as unknown as ScreeningService;
    void screenCall({
      config: parseConfig({ screening: { deadlineMs: 10 } }), screening: neverRoutes, logger: silentLogger(), rest,
      live: new Map<string, CallSession>(), release: (id, opts) => released.push({ id, ...opts }), maxCallMs: 60_000,
    }, stasisStart());
    // the watchdog fires at the STIR/SHAKEN read bound (150 ms) + deadline + 2 s, then its continue is retried for ~1.3 s before it gives up
    for (let waited = 0; released.length === 0 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(sent.filter((s) => s.path.endsWith('/continue')).length).toBeGreaterThan(0);
    expect(released).toEqual([{ id: channel.id, overwriteRoute: false }]);
  });
});
