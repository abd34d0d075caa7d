/** The fake Asterisk itself, checked against the recorded Asterisk 22 (tests/fixtures/asterisk/). */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AriSimulator } from '../fakes/ari/index.js';
import { SCREEN_STASIS_PRIORITY } from '../../src/sim/ari/index.js';

const FIXTURES = 'tests/fixtures/asterisk';
const recorded = (file: string) => readFileSync(`${FIXTURES}/${file}`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** The key structure of a frame: sorted key paths, values ignored. */
function shape(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [prefix];
  return Object.entries(v).flatMap(([k, x]) => shape(x, prefix ? `${prefix}.${k}` : k)).sort();
}

let sim: AriSimulator;
const auth = () => ({ authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}` });
async function rest(method: string, path: string, headers: Record<string, string> = auth()) {
  const res = await fetch(`${sim.url}/ari${path}`, { method, headers });
  const text = await res.text();
  return { status: res.status, statusText: res.statusText, type: res.headers.get('content-type'), text, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) as unknown : null, headers: res.headers };
}

/** A bare events connection, standing in for an ARI app, collecting parsed frames. */
async function connectApp(app = sim.app): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>> }> {
  const frames: Array<Record<string, unknown>> = [];
  const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=${app}`, { headers: auth() });
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, frames };
}
const until = async (check: () => boolean) => { for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10)); };
const ofType = (frames: Array<Record<string, unknown>>, type: string) => frames.filter((f) => f.type === type);

// a channel back in the dialplan lives lingerMs before it hangs up: long enough for a test's next requests to find it
// there (409) on a loaded machine, not gone (404), as CI once saw with 50 ms
beforeAll(async () => { sim = new AriSimulator({ timing: { lingerMs: 2000 } }); await sim.start(); });
afterAll(async () => { await sim.stop(); });

describe('frames have the recorded shapes and order', () => {
  it('StasisStart, playback, DTMF and StasisEnd carry exactly the recorded keys, in the recorded order', async () => {
    const { ws, frames } = await connectApp();
    const outcome = sim.placeCall({ callerNumber: '+33162000000', callerName: 'TELEMARKETING', dialled: '0100000000', behaviour: { kind: 'types', digits: '1234', delayMs: 10 } });
    await until(() => frames.length > 0);
    const id = (frames[0]?.channel as { id: string }).id;
    expect((await rest('POST', `/channels/${id}/answer`)).status).toBe(204);
    const play = await rest('POST', `/channels/${id}/play?media=sound:chut-captcha,digits:1234&playbackId=pb-${id}`);
    expect(play.status).toBe(201);
    expect(play.headers.get('location')).toBe(`/ari/playbacks/pb-${id}`);
    expect(Object.keys(play.body as object)).toEqual(['id', 'media_uri', 'target_uri', 'language', 'state']);
    await until(() => ofType(frames, 'ChannelDtmfReceived').length === 4);
    expect((await rest('POST', `/channels/${id}/continue`)).status).toBe(204);
    expect((await outcome).route).toBe('ring');
    await until(() => ofType(frames, 'StasisEnd').length === 1);
    ws.close();

    const rec = recorded('ari-stasis-call.jsonl');
    for (const type of ['StasisStart', 'ChannelDtmfReceived', 'StasisEnd']) {
      const mine = ofType(frames, type)[0];
      const theirs = rec.find((f) => f.type === type);
      expect(Object.keys(mine ?? {}), type).toEqual(Object.keys(theirs ?? {}));
      expect(shape(mine), type).toEqual(shape(theirs));
    }
    const finished = ofType(frames, 'PlaybackFinished')[0];
    expect(shape(finished)).toEqual(shape(rec.find((f) => f.type === 'PlaybackFinished')));
    expect(ofType(frames, 'ChannelDtmfReceived').map((f) => f.digit).join('')).toBe('1234');
    const order = frames.map((f) => f.type).filter((t) => t !== 'ChannelStateChange');
    expect(order).toEqual(['StasisStart', 'PlaybackStarted', 'PlaybackContinuing', 'PlaybackStarted', 'PlaybackFinished',
      'ChannelDtmfReceived', 'ChannelDtmfReceived', 'ChannelDtmfReceived', 'ChannelDtmfReceived', 'StasisEnd']);
  });

  it('a caller hang-up during a prompt: ChannelHangupRequest (cause 16), PlaybackFinished failed, StasisEnd, no ChannelDestroyed', async () => {
    const quick = sim;
    sim = new AriSimulator({ timing: { soundMs: 5000 } }); // a long prompt, like the recording's chut-long
    await sim.start();
    const { ws, frames } = await connectApp();
    const outcome = sim.placeCall({ callerNumber: '+33162000000', callerName: 'TELEMARKETING', dialled: '0100000000', behaviour: { kind: 'hangs-up', afterMs: 100 } });
    await until(() => frames.length > 0);
    const id = (frames[0]?.channel as { id: string }).id;
    await rest('POST', `/channels/${id}/answer`);
    await rest('POST', `/channels/${id}/play?media=sound:chut-long&playbackId=long-${id}`);
    expect((await outcome).route).toBe('hung-up');
    await new Promise((r) => setTimeout(r, 50));
    ws.close();
    const types = frames.map((f) => f.type).filter((t) => t !== 'ChannelStateChange');
    const rec = recorded('ari-caller-hangs-up.jsonl').map((f) => f.type);
    expect(types).toEqual(rec);
    const hangup = ofType(frames, 'ChannelHangupRequest')[0];
    expect(Object.keys(hangup ?? {})).toEqual(Object.keys(recorded('ari-caller-hangs-up.jsonl')[2] ?? {}));
    expect(ofType(frames, 'PlaybackFinished')[0]?.playback).toMatchObject({ state: 'failed' });
    expect((await rest('POST', `/channels/${id}/answer`)).body).toEqual({ message: 'Channel not found' });
    await sim.stop();
    sim = quick;
  });
});

describe('playback of several media, as res_stasis_playback.c does it', () => {
  /** Plays `media` on a fresh channel and returns the Playback* frames' types and states, and the digits heard. */
  async function playbackFrames(media: string, missing: string[]): Promise<{ events: string[]; heard: string }> {
    for (const m of missing) sim.faults.missingSounds.add(m);
    try {
      const { ws, frames } = await connectApp();
      const outcome = sim.placeCall({ callerNumber: '+33162000000', callerName: 'TELEMARKETING', dialled: '0100000000', behaviour: { kind: 'silent' } });
      await until(() => frames.length > 0);
      const id = (frames[0]?.channel as { id: string }).id;
      await rest('POST', `/channels/${id}/answer`);
      await rest('POST', `/channels/${id}/play?media=${media}&playbackId=pb-${id}`);
      await until(() => ofType(frames, 'PlaybackFinished').length === 1);
      await rest('POST', `/channels/${id}/continue`);
      const out = await outcome;
      ws.close();
      const events = frames.filter((f) => String(f.type).startsWith('Playback'))
        .map((f) => `${String(f.type)}:${String((f.playback as { state: string }).state)}`);
      return { events, heard: out.heardDigits };
    } finally {
      sim.faults.missingSounds.clear();
    }
  }

  it('a missing sound before the last goes on as continuing: PlaybackFinished says done (a failure there is invisible)', async () => {
    const { events } = await playbackFrames('sound:please-enter-the,sound:digits/4', ['please-enter-the']);
    expect(events).toEqual(['PlaybackStarted:playing', 'PlaybackContinuing:continuing', 'PlaybackStarted:playing', 'PlaybackFinished:done']);
  });

  it('a missing last sound fails the playback', async () => {
    const { events } = await playbackFrames('sound:please-enter-the,sound:digits/4', ['digits/4']);
    expect(events.at(-1)).toBe('PlaybackFinished:failed');
  });

  it('digits: skips digit sounds that do not exist and still says done (ast_say_digit_str)', async () => {
    const { events, heard } = await playbackFrames('digits:4721', ['digits/4', 'digits/7', 'digits/2', 'digits/1']);
    expect(events).toEqual(['PlaybackStarted:playing', 'PlaybackFinished:done']);
    expect(heard).toBe('');
  });
});

describe('REST replies as recorded', () => {
  it('401 with the Asterisk realm for bad or missing credentials; api_key works', async () => {
    const bad = await rest('GET', '/asterisk/info', { authorization: `Basic ${Buffer.from('chut:wrong').toString('base64')}` });
    expect([bad.status, bad.body, bad.headers.get('www-authenticate')]).toEqual([401, { message: 'Authentication required' }, 'Basic realm="Asterisk REST Interface"']);
    expect((await rest('GET', '/asterisk/info', {})).status).toBe(401);
    const key = await rest('GET', `/asterisk/info?api_key=${sim.user}:${sim.password}`, {});
    expect(key.status).toBe(200);
    expect((key.body as { system: { version: string } }).system.version).toBe('22.10.1');
  });

  it('GET /applications is [] with no app connected; the app object appears while its WebSocket is open', async () => {
    expect((await rest('GET', '/applications')).body).toEqual([]);
    const { ws } = await connectApp();
    expect((await rest('GET', '/applications/chut')).body).toEqual({ name: 'chut', channel_ids: [], bridge_ids: [], endpoint_ids: [], device_names: [], events_allowed: [], events_disallowed: [] });
    ws.close();
    await until(() => !sim.registered());
    expect((await rest('GET', '/applications')).text).toBe('[]');
  });

  it('a WebSocket upgrade without app gets the HTML 400; with bad credentials a 401', async () => {
    const status = (url: string, headers: Record<string, string>) => new Promise<{ code: number; type: string }>((resolve) => {
      const ws = new WebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => resolve({ code: res.statusCode ?? 0, type: String(res.headers['content-type']) }));
      ws.on('error', () => undefined);
    });
    expect(await status(`${sim.url.replace('http', 'ws')}/ari/events?app=`, auth())).toEqual({ code: 400, type: 'text/html' });
    expect((await status(`${sim.url.replace('http', 'ws')}/ari/events?app=chut`, { authorization: 'Basic Y2h1dDp3cm9uZw==' })).code).toBe(401);
  });

  it('errors of a live channel: 500 play without media, 404 Variable Not Found, 400s, 422, and 409 once out of Stasis', async () => {
    const { ws, frames } = await connectApp();
    const outcome = sim.placeCall({ callerNumber: '+33162000099', callerName: 'SILENT CALLER', dialled: '0100000000', verstat: 'TN-Validation-Passed', behaviour: { kind: 'silent' } });
    await until(() => frames.length > 0);
    const id = (frames[0]?.channel as { id: string }).id;
    const play = await rest('POST', `/channels/${id}/play`);
    expect([play.status, play.body]).toEqual([500, { message: 'Failed to queue media for playback' }]);
    const unset = await rest('GET', `/channels/${id}/variable?variable=CHUT_NOT_SET`);
    expect([unset.status, unset.statusText, unset.body]).toEqual([404, 'Variable Not Found', { message: 'Provided variable was not found' }]);
    // Asterisk 22's own words for a verified identity; a function it cannot read is a 500, not a 404
    expect((await rest('GET', `/channels/${id}/variable?variable=STIR_SHAKEN(0,verify_result)`)).body).toEqual({ value: 'success' });
    const fn = await rest('GET', `/channels/${id}/variable?variable=STIR_SHAKEN(1,verify_result)`);
    expect([fn.status, fn.statusText, fn.body]).toEqual([500, 'Error With Function', { message: 'Unable to read provided function' }]);
    expect((await rest('GET', `/channels/${id}/variable`)).body).toEqual({ message: 'Variable name is required' });
    expect((await rest('POST', `/channels/${id}/dtmf`)).status).toBe(400);
    expect((await rest('POST', `/channels/${id}/redirect?endpoint=SIP/nobody`)).status).toBe(422);
    const reason = await rest('DELETE', `/channels/${id}?reason=no-such-reason`);
    expect([reason.status, reason.statusText]).toEqual([400, 'Invalid Reason']);
    expect((await rest('POST', `/channels/${id}/continue`)).status).toBe(204);
    expect((await rest('POST', `/channels/${id}/continue`)).body).toEqual({ message: 'Channel not in Stasis application' });
    expect((await rest('POST', `/channels/${id}/play?media=sound:x`)).status).toBe(409);
    // setting a variable (TIMEOUT(absolute) among them) on a channel back in the dialplan: 409 too
    expect((await rest('POST', `/channels/${id}/variable?variable=TIMEOUT(absolute)&value=1`)).status).toBe(409);
    expect((await outcome).route).toBe('ring');
    expect((await rest('GET', '/no/such/resource')).body).toEqual({ message: 'Resource not found' });
    ws.close();
  });
});

describe('the dialplan snippet as modelled', () => {
  it('a continue to a context that does not exist answers 204, then the call dies (dead air)', async () => {
    const { ws, frames } = await connectApp();
    const outcome = sim.placeCall({ callerNumber: '+33162000001', callerName: 'X', dialled: '0100000000', behaviour: { kind: 'silent' } });
    await until(() => frames.length > 0);
    const id = (frames[0]?.channel as { id: string }).id;
    expect((await rest('POST', `/channels/${id}/continue?context=no-such-context&extension=s&priority=1`)).status).toBe(204);
    expect((await outcome).route).toBe('dead-air');
    ws.close();
  });

  it('CHUT_ROUTE set to an unknown label falls to ring; no app connected means Stasis returns and the call rings', async () => {
    const { ws, frames } = await connectApp();
    const outcome = sim.placeCall({ callerNumber: '+33162000002', callerName: 'X', dialled: '0100000000', behaviour: { kind: 'silent' } });
    await until(() => frames.length > 0);
    const id = (frames[0]?.channel as { id: string }).id;
    await rest('POST', `/channels/${id}/variable?variable=CHUT_ROUTE&value=nonsense`);
    await rest('POST', `/channels/${id}/continue`);
    expect((await outcome).route).toBe('ring');
    ws.close();
    await until(() => !sim.registered());
    expect(await sim.placeCall({ callerNumber: '+33162000003', callerName: 'X', dialled: '0100000000', behaviour: { kind: 'silent' } }))
      .toMatchObject({ route: 'ring', answered: false });
  });

  it('TIMEOUT(absolute) set over ARI reads back as the seconds left; once it passes in Stasis: StasisEnd, then `T` rings', async () => {
    const { ws, frames } = await connectApp();
    const outcome = sim.placeCall({ callerNumber: '+33162000004', callerName: 'X', dialled: '0100000000', behaviour: { kind: 'silent' } });
    await until(() => frames.length > 0);
    const id = (frames[0]?.channel as { id: string }).id;
    expect((frames[0]?.channel as { dialplan: { priority: number } }).dialplan.priority).toBe(SCREEN_STASIS_PRIORITY); // Stasis in chut-screen
    const before = await rest('GET', `/channels/${id}/variable?variable=TIMEOUT(absolute)`);
    expect(Number((before.body as { value: string }).value)).toBeGreaterThan(19); // the snippet's 20 s
    expect((await rest('POST', `/channels/${id}/variable?variable=TIMEOUT(absolute)&value=0.3`)).status).toBe(204);
    expect((await rest('GET', `/channels/${id}/variable?variable=TIMEOUT(absolute)`)).body).toEqual({ value: expect.stringMatching(/^0\.[0-3]\d\d$/) as unknown });
    const out = await outcome;
    expect(out.route).toBe('ring');
    await until(() => ofType(frames, 'StasisEnd').length > 0);
    expect(ofType(frames, 'StasisEnd')).toHaveLength(1);
    expect(out.dialplan).toEqual(['Set(TIMEOUT(absolute)=20)', 'Stasis(chut)', 'ARI: Set(TIMEOUT(absolute)=0.3)', 'T: Set(TIMEOUT(absolute)=0)', 'Goto(chut-route,ring,1)']);
    ws.close();
  });
});
