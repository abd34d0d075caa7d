import { describe, expect, it } from 'vitest';
import { parseFrame, type AriEvent } from '../../../src/ari/events.js';
import { createAriReleaser, releaseWithin } from '../../../src/ari/release.js';
import type { AriRest } from '../../../src/ari/rest.js';
import { silentLogger } from '../../../src/logger.js';
import { CH, channel, fakeRest, type Sent } from './fake-rest.js';

/** An event of the held channel, as Asterisk sends it. */
const eventOf = (frame: Record<string, unknown>): AriEvent => {
  const p = parseFrame(JSON.stringify({ ...frame, channel }));
  if (!p.ok || p.event.type === 'Other') throw new Error('bad test frame');
  return p.event;
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (sent: Sent[]) => sent.map((s) => `${s.method} ${s.path}${s.query ? ` ${JSON.stringify(s.query)}` : ''}`);

function releaser(rest: AriRest) {
  return createAriReleaser({ rest, logger: silentLogger(), ringLabel: 'ring', retryStrategy: () => 5 });
}

describe('the release list', () => {
  it('retries the continue (5xx, timeouts) until Asterisk answers 204, then forgets the channel', async () => {
    const { rest, sent } = fakeRest((_s, n) => (n <= 2 ? 500 : n === 3 ? 'timeout' : null));
    const r = releaser(rest);
    r.release(CH);
    expect(r.has(CH)).toBe(true);
    await wait(60);
    expect(lines(sent)).toEqual(Array(4).fill(`POST /channels/${CH}/continue`));
    expect(r.size()).toBe(0);
  });

  it('stops at 404 (gone) and at 409 (already out of Stasis)', async () => {
    for (const status of [404, 409]) {
      const { rest, sent } = fakeRest(() => status);
      const r = releaser(rest);
      r.release(CH);
      await wait(40);
      expect(sent).toHaveLength(1);
      expect(r.size()).toBe(0);
    }
  });

  it.each([
    ['leaving Stasis', { type: 'StasisEnd' }],
    ['hanging up', { type: 'ChannelHangupRequest', cause: 16 }],
    ['destroyed', { type: 'ChannelDestroyed', cause: 16, cause_txt: 'Normal Clearing' }],
  ])('stops when the channel is seen %s', async (_what, frame) => {
    const { rest, sent } = fakeRest(() => 503);
    const r = releaser(rest);
    r.release(CH);
    await wait(20);
    r.observe(eventOf(frame));
    const count = sent.length;
    expect(r.size()).toBe(0);
    await wait(30);
    expect(sent.length).toBeLessThanOrEqual(count + 1); // at most the attempt already in flight
  });

  it('puts CHUT_ROUTE back to ring before continuing when a failed route may have left voicemail/reject behind', async () => {
    const { rest, sent } = fakeRest((s) => (s.path.endsWith('/variable') ? 500 : null));
    const r = releaser(rest);
    r.release(CH, { overwriteRoute: true });
    await wait(20);
    // the variable failed: the continue still goes (leaving Stasis beats dead air)
    expect(lines(sent)).toEqual([
      `POST /channels/${CH}/variable {"variable":"CHUT_ROUTE","value":"ring"}`,
      `POST /channels/${CH}/continue`,
    ]);
  });

  it('takeAll() hands the channels back for shutdown and takes no new ones', async () => {
    const { rest } = fakeRest(() => 500);
    const r = releaser(rest);
    r.release(CH, { overwriteRoute: true });
    expect(r.takeAll()).toEqual([{ id: CH, overwriteRoute: true }]);
    r.release('other.1');
    expect(r.size()).toBe(0);
  });

  it('releaseWithin() retries each channel inside its window and returns those Asterisk never let go', async () => {
    const { rest, sent } = fakeRest((s, n) => (s.path.includes('stuck') || n === 1 ? 500 : null));
    const left = await releaseWithin(rest, new Map([[CH, false], ['stuck.1', false]]), 'ring', 400);
    expect(left).toEqual(['stuck.1']);
    expect(sent.filter((s) => s.path.includes(CH)).length).toBe(2);
    expect(sent.filter((s) => s.path.includes('stuck')).length).toBeGreaterThan(1);
  });
});
