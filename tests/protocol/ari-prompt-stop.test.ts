/**
 * A prompt in progress holds the channel's control queue, as in Asterisk (res/stasis/control.c): a `continue` sent
 * during it takes effect once the prompt has played (PlaybackFinished, then StasisEnd), unless the playback is stopped
 * (DELETE /playbacks/{id}: 204, PlaybackFinished `done`, res/ari/resource_playbacks.c and res_stasis_playback.c).
 * chut stops its prompt before a fail-open leave, so the caller rings at once rather than after the prompt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

/** How long one `sound:` plays in these tests: a long prompt, as a real instruction sound can be. */
const PROMPT_MS = 4000;

describe('the fake Asterisk queues channel commands behind a playback', () => {
  let sim: AriSimulator;
  const auth = () => ({ authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}` });
  async function rest(method: string, path: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${sim.url}/ari${path}`, { method, headers: auth() });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) as unknown : null };
  }
  /** A bare events connection and one call in Stasis, answered, playing a long prompt. */
  async function callPlaying(): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>>; id: string; at: (type: string) => number | undefined; outcome: Promise<{ route: string }> }> {
    const frames: Array<Record<string, unknown>> = [];
    const times = new Map<string, number>();
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=${sim.app}`, { headers: auth() });
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Record<string, unknown>;
      frames.push(f);
      if (!times.has(String(f.type))) times.set(String(f.type), Date.now());
    });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const outcome = sim.placeCall({ callerNumber: '+33162000000', callerName: 'CAPTCHA', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 20_000 });
    await eventually(() => frames.length > 0, 2000, 'StasisStart');
    const id = (frames[0]?.channel as { id: string }).id;
    expect((await rest('POST', `/channels/${id}/answer`)).status).toBe(204);
    expect((await rest('POST', `/channels/${id}/play?media=sound:chut-long&playbackId=long-${id}`)).status).toBe(201);
    await eventually(() => times.has('PlaybackStarted'), 2000, 'PlaybackStarted');
    return { ws, frames, id, at: (type) => times.get(type), outcome };
  }
  const types = (frames: Array<Record<string, unknown>>) => frames.map((f) => String(f.type)).filter((t) => t !== 'ChannelStateChange' && t !== 'ChannelVarset');

  beforeAll(async () => { sim = new AriSimulator({ timing: { soundMs: 1000, lingerMs: 20 } }); await sim.start(); });
  afterAll(async () => { await sim.stop(); });

  it('a continue during a prompt: 204 at once, then the whole prompt, PlaybackFinished, StasisEnd; a variable set waits likewise', async () => {
    const { ws, frames, id, at, outcome } = await callPlaying();
    const sent = Date.now();
    expect((await rest('POST', `/channels/${id}/variable?variable=CHUT_ROUTE&value=reject`)).status).toBe(204);
    // queued, not set yet: GET reads the channel as it is
    expect((await rest('GET', `/channels/${id}/variable?variable=CHUT_ROUTE`)).body).toEqual({ value: '' });
    expect((await rest('POST', `/channels/${id}/continue`)).status).toBe(204);
    expect((await rest('POST', `/channels/${id}/continue`)).status).toBe(204); // still in Stasis: queued again
    expect((await outcome).route).toBe('reject');
    await eventually(() => at('StasisEnd') !== undefined, 2000, 'StasisEnd');
    expect(types(frames)).toEqual(['StasisStart', 'PlaybackStarted', 'PlaybackFinished', 'StasisEnd']);
    expect(frames.find((f) => f.type === 'PlaybackFinished')?.playback).toMatchObject({ state: 'done' });
    expect((at('StasisEnd') ?? 0) - sent).toBeGreaterThan(700);
    expect((await rest('DELETE', `/playbacks/long-${id}`)).status).toBe(404);
    ws.close();
  });

  it('DELETE /playbacks/{id} stops the prompt: 204, PlaybackFinished done, then the queued continue runs at once; a second DELETE is 404', async () => {
    const { ws, frames, id, at, outcome } = await callPlaying();
    expect((await rest('POST', `/channels/${id}/continue`)).status).toBe(204);
    const stopped = Date.now();
    expect((await rest('DELETE', `/playbacks/long-${id}`)).status).toBe(204);
    expect((await outcome).route).toBe('ring');
    await eventually(() => at('StasisEnd') !== undefined, 2000, 'StasisEnd');
    expect((at('StasisEnd') ?? Infinity) - stopped).toBeLessThan(300);
    expect(types(frames)).toEqual(['StasisStart', 'PlaybackStarted', 'PlaybackFinished', 'StasisEnd']);
    expect(frames.find((f) => f.type === 'PlaybackFinished')?.playback).toMatchObject({ state: 'done' });
    expect((await rest('DELETE', `/playbacks/long-${id}`)).status).toBe(404);
    ws.close();
  });

  it('DELETE of a playback still queued cancels it: PlaybackFinished done when its turn comes, nothing played', async () => {
    const { ws, frames, id, outcome } = await callPlaying();
    expect((await rest('POST', `/channels/${id}/play?media=sound:chut-long&playbackId=next-${id}`)).status).toBe(201);
    expect((await rest('DELETE', `/playbacks/next-${id}`)).status).toBe(204);
    expect((await rest('DELETE', `/playbacks/long-${id}`)).status).toBe(204);
    await eventually(() => frames.filter((f) => f.type === 'PlaybackFinished').length === 2, 2000, 'two PlaybackFinished');
    expect(types(frames)).toEqual(['StasisStart', 'PlaybackStarted', 'PlaybackFinished', 'PlaybackFinished']);
    expect((await rest('POST', `/channels/${id}/continue`)).status).toBe(204);
    expect((await outcome).route).toBe('ring');
    ws.close();
  });
});

describe('chut stops its prompt before a fail-open leave', () => {
  let h: AriHarness;
  beforeAll(async () => { h = await startAriHarness({ label: 'ari-stop', sim: { timing: { soundMs: PROMPT_MS, lingerMs: 20 } } }); });
  afterAll(async () => { await h.stop(); });

  it('the events WebSocket lost during a long captcha prompt: the call rings at once, not once the prompt has played', async () => {
    const requests: SimRequest[] = [];
    const onRequest = (r: SimRequest) => requests.push(r);
    h.sim.on('request', onRequest);
    try {
      const started = Date.now();
      const pending = h.sim.placeCall({ callerNumber: '+33612990001', callerName: 'CAPTCHA long prompt', dialled: '0100000000', behaviour: { kind: 'types-what-it-hears' }, maxDurationMs: 20_000 });
      await eventually(() => requests.some((r) => r.method === 'POST' && r.path.endsWith('/play')), 3000, 'the first prompt');
      await new Promise((r) => setTimeout(r, 200));
      const dropped = Date.now();
      h.sim.faults.dropWebSockets();
      const out = await pending;
      expect(out.route).toBe('ring');
      // rung well before the prompt would have ended (PROMPT_MS after it started)
      expect(Date.now() - dropped).toBeLessThan(PROMPT_MS / 2);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      const stops = requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/playbacks/'));
      expect(stops.length).toBeGreaterThanOrEqual(1);
      await h.sim.waitForChut(10_000);
      await eventually(() => h.adapter.liveCalls() === 0, 5000, 'no live calls left');
    } finally {
      h.sim.off('request', onRequest);
    }
  });
});
