/**
 * One-shot requests of the ARI call control against the fake Asterisk, counted on the wire: however many paths
 * ask for them at once or later (the watchdog, the route, the fail-open `finally`), one `continue` and one
 * `answer` reach Asterisk per call, and a route asked for while the channel is already leaving sends nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AriAlreadyLeavingError, createAriControl, type AriCallControl } from '../../src/ari/control.js';
import { eventChannelId, parseFrame } from '../../src/ari/events.js';
import { AriHttpError, createAriRest, type AriRest } from '../../src/ari/rest.js';
import { CallSession } from '../../src/ari/session.js';
import { silentLogger } from '../../src/logger.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { AriSimulator, eventually } from '../fakes/ari/index.js';

let sim: AriSimulator;
let rest: AriRest;
let app: WebSocket;
/** Sessions of the calls in the test, fed by the events WebSocket as chut's adapter feeds them. */
const sessions = new Map<string, CallSession>();
const firstFrames = new Map<string, (id: string) => void>();
let requests: SimRequest[] = [];
const record = (r: SimRequest): void => { requests.push(r); };

beforeAll(async () => {
  sim = new AriSimulator({ timing: { lingerMs: 20 } });
  await sim.start();
  rest = createAriRest({ url: sim.url, user: sim.user, password: sim.password, timeoutMs: 2000 });
  app = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=${sim.app}`, {
    headers: { authorization: rest.authHeader },
  });
  app.on('message', (data) => {
    const parsed = parseFrame(String(data));
    if (!parsed.ok || parsed.event.type === 'Other') return;
    const id = eventChannelId(parsed.event);
    if (parsed.event.type === 'StasisStart' && id) firstFrames.get(parsed.event.channel.caller.number)?.(id);
    else if (id) sessions.get(id)?.handle(parsed.event);
  });
  await new Promise((resolve, reject) => { app.once('open', resolve); app.once('error', reject); });
  sim.on('request', record);
});
afterAll(async () => {
  sim.off('request', record);
  app.close();
  rest.close();
  await sim.stop();
});
afterEach(() => { requests = []; });

let callerSeq = 0;

/** Places a call, waits for its StasisStart, and builds chut's control for it over the real REST client. */
async function callInStasis(): Promise<{ control: AriCallControl; session: CallSession; outcome: Promise<{ route: string; answered: boolean }>; sent: (action: string) => SimRequest[] }> {
  callerSeq += 1;
  const callerNumber = `+3361500${String(callerSeq).padStart(4, '0')}`;
  const started = new Promise<string>((resolve) => firstFrames.set(callerNumber, resolve));
  const outcome = sim.placeCall({ callerNumber, callerName: 'Once', dialled: '0100000000', behaviour: { kind: 'silent' } });
  const id = await started;
  const session = new CallSession(id);
  sessions.set(id, session);
  const control = createAriControl({
    rest, session, logger: silentLogger(), rejectStyle: 'sit', language: 'fr',
    labels: { ring: 'ring', voicemail: 'voicemail', reject: 'reject' }, continueRetryMs: [1, 1],
  });
  const sent = (action: string) => requests.filter((r) => r.channelId === id && r.method === 'POST' && r.path.endsWith(`/${action}`));
  return { control, session, outcome, sent };
}

describe('leave() sends one continue per call', () => {
  it('two concurrent calls and one after completion: one continue reaches Asterisk, every caller resolves', async () => {
    const { control, outcome, sent } = await callInStasis();
    const watchdog = control.leave();
    const route = control.ring();
    await expect(Promise.all([watchdog, route])).resolves.toEqual([undefined, undefined]);
    await expect(control.leave()).resolves.toBeUndefined();
    expect(control.routed).toBe(true);
    expect(sent('continue')).toHaveLength(1);
    expect((await outcome).route).toBe('ring');
  });

  it('another route asked while the channel leaves is refused: none of its variables and no second continue are sent', async () => {
    const { control, outcome, sent } = await callInStasis();
    const watchdog = control.leave();
    const lateReject = control.reject();
    await expect(lateReject).rejects.toBeInstanceOf(AriAlreadyLeavingError);
    await watchdog;
    await expect(control.toVoicemail('100')).rejects.toBeInstanceOf(AriAlreadyLeavingError);
    expect(sent('variable')).toEqual([]);
    expect(sent('continue')).toHaveLength(1);
    expect((await outcome).route).toBe('ring');
  });

  it('a voicemail asked once the channel has left and is gone is refused as already leaving, not read as a hang-up', async () => {
    const { control, outcome, sent } = await callInStasis();
    await control.leave();
    expect((await outcome).route).toBe('ring');
    await new Promise((r) => setTimeout(r, 60)); // the fake forgets the channel 20 ms after it left the dialplan
    await expect(control.toVoicemail('100')).rejects.toBeInstanceOf(AriAlreadyLeavingError);
    expect(sent('variable')).toEqual([]);
    expect(requests.filter((r) => r.path.endsWith('/variable'))).toEqual([]); // not even a VM_INFO() question
  });

  it('callers that joined a failing continue share its failure; a later call tries again and the call still rings', async () => {
    const { control, outcome, sent } = await callInStasis();
    sim.faults.failNext(3, '/continue'); // the first leave's three attempts (one try, two retries)
    const first = control.leave();
    const joined = control.leave();
    await expect(first).rejects.toBeInstanceOf(AriHttpError);
    await expect(joined).rejects.toBeInstanceOf(AriHttpError);
    expect(sent('continue')).toHaveLength(3);
    expect(control.routed).toBe(false);
    await control.leave(); // the fail-open path's retry
    expect(sent('continue')).toHaveLength(4);
    expect(control.routed).toBe(true);
    expect((await outcome).route).toBe('ring');
  });
});

describe('fail-open after a failed route', () => {
  it('a voicemail leave whose continue failed left CHUT_ROUTE=voicemail: the fail-open ring overwrites it and the call rings', async () => {
    const { control, outcome, sent } = await callInStasis();
    sim.faults.failNext(3, '/continue');
    await expect(control.toVoicemail('100')).rejects.toBeInstanceOf(AriHttpError);
    expect(control.routed).toBe(false);
    await control.ring(); // what the screener's fail-open does
    expect(sent('continue')).toHaveLength(4);
    const routeSets = sent('variable').filter((r) => r.query.get('variable') === 'CHUT_ROUTE').map((r) => r.query.get('value'));
    expect(routeSets).toEqual(['voicemail', 'ring']);
    expect((await outcome).route).toBe('ring');
  });

  it('a plain ring sets no variable at all (one request fewer on every ringing call)', async () => {
    const { control, outcome, sent } = await callInStasis();
    await control.ring();
    expect(sent('variable')).toEqual([]);
    expect((await outcome).route).toBe('ring');
  });
});

describe('answer() sends one answer per call', () => {
  it('two concurrent calls and one after completion: one answer reaches Asterisk, every caller resolves', async () => {
    const { control, outcome, sent } = await callInStasis();
    await expect(Promise.all([control.answer(), control.answer()])).resolves.toEqual([undefined, undefined]);
    await expect(control.answer()).resolves.toBeUndefined();
    expect(sent('answer')).toHaveLength(1);
    await control.ring();
    expect((await outcome).answered).toBe(true);
  });

  it('is refused, and not sent, once the channel is leaving (a captcha starting after the watchdog rang)', async () => {
    const { control, session, outcome, sent } = await callInStasis();
    const watchdog = control.leave();
    await expect(control.answer()).rejects.toBeInstanceOf(AriAlreadyLeavingError);
    await watchdog;
    expect(sent('answer')).toEqual([]);
    expect(await outcome).toMatchObject({ route: 'ring', answered: false });
    await eventually(() => session.phase === 'ended', 2000, 'StasisEnd');
    expect(session.endReason).toBe('finished');
  });
});
