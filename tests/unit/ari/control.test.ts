import { describe, expect, it } from 'vitest';
import { createAriControl } from '../../../src/ari/control.js';
import { parseFrame, type AriEvent } from '../../../src/ari/events.js';
import { AriHttpError } from '../../../src/ari/rest.js';
import { CallSession } from '../../../src/ari/session.js';
import { silentLogger } from '../../../src/logger.js';
import { CH, channel, fakeRest, type Sent } from './fake-rest.js';
import { runCaptcha } from '../../../src/screening/run-captcha.js';
import { CallerHungUpError } from '../../../src/screening/types.js';

const ev = (obj: Record<string, unknown>): AriEvent => {
  const p = parseFrame(JSON.stringify(obj));
  if (!p.ok || p.event.type === 'Other') throw new Error('bad test frame');
  return p.event;
};
const dtmf = (digit: string) => ev({ type: 'ChannelDtmfReceived', digit, duration_ms: 100, channel });
const playback = (type: string, id: string, state: string) =>
  ev({ type, playback: { id, media_uri: 'sound:x', target_uri: `channel:${CH}`, state } });

function setup(fail?: Parameters<typeof fakeRest>[0], answerBoundS?: number) {
  const session = new CallSession(CH);
  const { rest, sent } = fakeRest(fail);
  const control = createAriControl({
    rest, session, logger: silentLogger(), rejectStyle: 'sit', language: 'fr',
    labels: { ring: 'ring', voicemail: 'voicemail', reject: 'reject' }, continueRetryMs: [1, 1],
    ...(answerBoundS === undefined ? {} : { answerBoundS }),
  });
  return { session, control, sent };
}

const ask = { prompt: [{ sound: 'please-enter-the' }, { digits: '4721' }], maxDigits: 4, firstDigitTimeoutMs: 200, interDigitTimeoutMs: 200 };
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('a captcha ended by something other than the caller', () => {
  const stasisEnd = () => ev({ type: 'StasisEnd', channel });
  const hangupRequest = () => ev({ type: 'ChannelHangupRequest', channel, cause: 16 });

  async function interacting() {
    const t = setup();
    const captcha = { attempts: 1, length: 4, prompts: { intro: ['please-enter-the'], retry: [], thanks: [], goodbye: [] }, newDigits: () => '4721', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 1000 };
    const outcome = runCaptcha(t.control, captcha);
    await tick();
    const id = (t.sent.find((s) => s.path.endsWith('/play'))?.query?.playbackId ?? '') as string;
    t.session.handle(playback('PlaybackFinished', id, 'done'));
    await tick();
    return { ...t, outcome };
  }

  it('the channel leaving Stasis without us (the snippet\'s time limit rang it) is not the caller hanging up', async () => {
    const { session, control, outcome } = await interacting();
    session.handle(stasisEnd());
    await expect(outcome).rejects.toThrow(/no longer in chut's hands \(left-stasis\)/);
    expect(control.signal.aborted).toBe(false); // nothing counts against the caller
    await expect(control.ring()).resolves.toBeUndefined(); // and the fail-open ring has nothing left to send
  });

  it('chut letting the call go at stop is not a hang-up either; a real hang-up still is', async () => {
    const a = await interacting();
    a.session.end('evicted');
    await expect(a.outcome).rejects.toThrow(/evicted/);
    expect(a.control.signal.aborted).toBe(false);
    const b = await interacting();
    b.session.handle(hangupRequest());
    await expect(b.outcome).resolves.toBe('hung-up');
    expect(b.control.signal.aborted).toBe(true);
  });
});

describe('routes over ARI', () => {
  it('ring leaves Stasis with one plain continue and never answers', async () => {
    const { control, sent } = setup();
    await control.ring();
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual([`POST /channels/${CH}/continue`]);
    expect(sent[0]?.query).toBeUndefined();
    expect(control.routed).toBe(true);
  });

  /** VM_INFO(box,exists) answers `value`, a status, or a transport timeout. */
  const vmInfo = (answer: string | number | 'timeout') => (s: Sent) =>
    (s.method === 'GET' ? (typeof answer === 'string' && answer !== 'timeout' ? { body: { value: answer } } : answer) : null);

  it('voicemail asks Asterisk whether the box exists, then sets CHUT_ROUTE and the mailbox before continuing', async () => {
    const a = setup(vmInfo('1'));
    await expect(a.control.toVoicemail('100@default')).resolves.toBe('voicemail');
    expect(a.sent.map((s) => s.query?.variable ?? s.path)).toEqual(['VM_INFO(100@default,exists)', 'CHUT_ROUTE', 'CHUT_MAILBOX', `/channels/${CH}/continue`]);
    expect(a.sent[0]).toMatchObject({ method: 'GET', path: `/channels/${CH}/variable` });
  });

  it('a hostile mailbox is never written into the VM_INFO() argument nor the channel: the snippet\'s default box serves', async () => {
    const b = setup(vmInfo('1'));
    await b.control.toVoicemail('100,,u)&System(rm');
    expect(b.sent.map((s) => s.query?.variable ?? s.path)).toEqual(['CHUT_ROUTE', `/channels/${CH}/continue`]);
  });

  it('a box chut-ari.conf would refuse (a second @, a + in the context) is not asked about nor sent: the snippet\'s default box serves', async () => {
    for (const box of ['100@default@x', '100@+ctx']) {
      const b = setup(vmInfo('1'));
      await expect(b.control.toVoicemail(box), box).resolves.toBe('voicemail');
      expect(b.sent.map((s) => s.query?.variable ?? s.path), box).toEqual(['CHUT_ROUTE', `/channels/${CH}/continue`]);
    }
  });

  it('a box Asterisk does not have, or a VM_INFO() it cannot read (app_voicemail not loaded), rings instead, and says so', async () => {
    for (const answer of ['0', '', 500, 'timeout'] as const) {
      const t = setup(vmInfo(answer));
      await expect(t.control.toVoicemail('+33100000000'), String(answer)).resolves.toBe('ring');
      expect(t.sent.map((s) => s.query?.variable ?? s.path)).toEqual(['VM_INFO(+33100000000,exists)', `/channels/${CH}/continue`]);
      expect(t.control.routed).toBe(true);
    }
  });

  it('a 404 while checking the box is the caller gone, not a missing box', async () => {
    const t = setup(vmInfo(404));
    await expect(t.control.toVoicemail('100@default')).rejects.toBeInstanceOf(CallerHungUpError);
    expect(t.sent).toHaveLength(1);
  });

  it('reject carries the configured style', async () => {
    const { control, sent } = setup();
    await control.reject();
    expect(sent.filter((s) => s.query).map((s) => `${s.query?.variable}=${s.query?.value}`)).toEqual(['CHUT_ROUTE=reject', 'CHUT_REJECT=sit']);
  });

  it('retries a continue that failed with a 500, then succeeds', async () => {
    const { control, sent } = setup((_s, n) => (n === 1 ? 500 : null));
    await control.ring();
    expect(sent).toHaveLength(2);
    expect(control.routed).toBe(true);
  });

  it('a 404 on continue means the caller is gone: CallerHungUpError and the session ends', async () => {
    const { control, session } = setup(() => 404);
    await expect(control.ring()).rejects.toBeInstanceOf(CallerHungUpError);
    expect(session.phase).toBe('ended');
    expect(session.signal.aborted).toBe(true);
  });

  it('a 409 (already out of Stasis) counts as routed', async () => {
    const { control } = setup(() => 409);
    await control.ring();
    expect(control.routed).toBe(true);
  });

  it('a continue that keeps failing throws, so the screener can fail open, and is not marked routed', async () => {
    const { control } = setup(() => 500);
    await expect(control.ring()).rejects.toBeInstanceOf(AriHttpError);
    expect(control.routed).toBe(false);
  });
});

describe('captcha media over ARI', () => {
  /** The playbacks sent so far, in order. */
  const plays = (sent: Sent[]) => sent.filter((s) => s.path.endsWith('/play'));
  /** Reports the `n`th playback (0-based) finished in `state`, once chut has asked for it. */
  async function finish(t: { sent: Sent[]; session: CallSession }, n: number, state = 'done'): Promise<void> {
    await tick();
    const play = plays(t.sent)[n];
    if (!play) throw new Error(`playback ${n} was never asked for`);
    t.session.handle(playback('PlaybackFinished', String(play.query?.playbackId), state));
  }

  it('plays each sound, then the digits as digit sounds, each playback checked in turn', async () => {
    const t = setup();
    const answer = t.control.askDigits(ask);
    await finish(t, 0);
    await finish(t, 1);
    t.session.handle(dtmf('4'));
    await expect(answer).resolves.toBe('4');
    expect(plays(t.sent).map((s) => s.query?.media)).toEqual([
      ['sound:please-enter-the'], ['sound:digits/4', 'sound:digits/7', 'sound:digits/2', 'sound:digits/1'],
    ]);
    expect(plays(t.sent).every((s) => s.query?.lang === 'fr')).toBe(true);
  });

  it('discards digits typed before the last PlaybackFinished and collects the ones after', async () => {
    const t = setup();
    const answer = t.control.askDigits(ask);
    await tick();
    t.session.handle(dtmf('9')); // during the instructions
    await finish(t, 0);
    await tick();
    t.session.handle(dtmf('8')); // during the digits
    await finish(t, 1);
    for (const d of '4721') t.session.handle(dtmf(d));
    await expect(answer).resolves.toBe('4721');
  });

  it('an instruction sound that fails stops the prompt there: nothing more is played, the captcha is abandoned', async () => {
    const t = setup();
    const answer = t.control.askDigits(ask);
    await finish(t, 0, 'failed');
    await expect(answer).rejects.toThrow(/prompt did not play \(playback failed: sound:please-enter-the\)/);
    expect(plays(t.sent)).toHaveLength(1);
  });

  it('digit sounds that fail (Asterisk lacks them for this language) abandon the captcha too', async () => {
    const t = setup();
    const answer = t.control.askDigits(ask);
    await finish(t, 0);
    await finish(t, 1, 'failed');
    await expect(answer).rejects.toThrow(/prompt did not play \(playback failed: sound:digits\/4/);
  });

  it('* and # are said with the files Asterisk itself uses for them', async () => {
    const t = setup();
    const played = t.control.play([{ digits: '1*#' }]);
    await finish(t, 0);
    await played;
    expect(plays(t.sent)[0]?.query?.media).toEqual(['sound:digits/1', 'sound:digits/star', 'sound:digits/pound']);
  });

  it('resolves with what was typed when the inter-digit timeout passes, and with "" when nothing is typed', async () => {
    const a = setup();
    const partial = a.control.askDigits(ask);
    await finish(a, 0);
    await finish(a, 1);
    a.session.handle(dtmf('4'));
    await expect(partial).resolves.toBe('4');
    const b = setup();
    const none = b.control.askDigits(ask);
    await finish(b, 0);
    await finish(b, 1);
    await expect(none).resolves.toBe('');
  });

  it('a hang-up while waiting for digits rejects with CallerHungUpError and aborts the signal', async () => {
    const { control, session, sent } = setup();
    const answer = control.askDigits(ask);
    await finish({ sent, session }, 0);
    await finish({ sent, session }, 1);
    session.handle(ev({ type: 'ChannelHangupRequest', cause: 16, channel }));
    await expect(answer).rejects.toBeInstanceOf(CallerHungUpError);
    expect(control.signal.aborted).toBe(true);
    await expect(control.ring()).rejects.toBeInstanceOf(CallerHungUpError);
  });

  it('a hang-up during the prompt ends the wait for PlaybackFinished', async () => {
    const { control, session } = setup();
    const played = control.play([{ sound: 'goodbye' }]);
    await tick();
    session.handle(ev({ type: 'ChannelHangupRequest', cause: 16, channel }));
    await expect(played).rejects.toBeInstanceOf(CallerHungUpError);
  });

  it('refuses prompt items that are not plain names or digits, and plays nothing when none is left', async () => {
    const { control, sent } = setup();
    await control.play([{ sound: '../../etc/passwd' }, { digits: '12a' }]);
    expect(sent).toEqual([]);
  });
});

describe('a prompt still playing when chut fails open (Asterisk queues the continue behind it)', () => {
  const calls = (sent: Sent[]) => sent.map((s) => `${s.method} ${s.path}`);
  const stop = (id: string) => `DELETE /playbacks/${id}`;

  it('a question past playbackTimeoutMs is stopped as the leave starts; a 404 on the stop (already ended) changes nothing', async () => {
    const session = new CallSession(CH);
    const { rest, sent } = fakeRest((s) => (s.method === 'DELETE' ? 404 : null));
    const control = createAriControl({
      rest, session, logger: silentLogger(), rejectStyle: 'sit', language: 'fr',
      labels: { ring: 'ring', voicemail: 'voicemail', reject: 'reject' }, playbackTimeoutMs: 20,
    });
    session.transition('interacting');
    await expect(control.askDigits({ ...ask, prompt: [{ sound: 'please-enter-the' }] })).rejects.toThrow(/playback timeout/);
    const id = String(sent[0]?.query?.playbackId);
    await control.ring();
    expect(calls(sent).sort()).toEqual([`POST /channels/${CH}/play`, stop(id), `POST /channels/${CH}/continue`].sort());
    expect(control.routed).toBe(true);
  });

  it('the closing words (thanks, goodbye) are never stopped, even when the event stream is lost while they play', async () => {
    const session = new CallSession(CH);
    const { rest, sent } = fakeRest();
    const control = createAriControl({
      rest, session, logger: silentLogger(), rejectStyle: 'sit', language: 'fr',
      labels: { ring: 'ring', voicemail: 'voicemail', reject: 'reject' }, playbackTimeoutMs: 50,
    });
    const played = control.play([{ sound: 'goodbye' }]);
    await tick();
    session.streamLost();
    await expect(played).rejects.toThrow();
    await control.ring();
    expect(calls(sent)).toEqual([`POST /channels/${CH}/play`, `POST /channels/${CH}/continue`]);
  });

  it('the event stream lost during a prompt stops it at once, and only once', async () => {
    const t = setup();
    t.session.transition('interacting');
    const asked = t.control.askDigits(ask);
    await tick();
    const id = String(t.sent[0]?.query?.playbackId);
    t.session.streamLost();
    await expect(asked).rejects.toThrow(/event stream lost/);
    expect(calls(t.sent)).toEqual([`POST /channels/${CH}/play`, stop(id)]);
    await t.control.ring();
    expect(calls(t.sent)).toEqual([`POST /channels/${CH}/play`, stop(id), `POST /channels/${CH}/continue`]);
  });

  it('a prompt that played to its end is not stopped: the leave is the continue alone', async () => {
    const t = setup();
    const played = t.control.play([{ sound: 'goodbye' }]);
    await tick();
    t.session.handle(playback('PlaybackFinished', String(t.sent[0]?.query?.playbackId), 'done'));
    await played;
    await t.control.ring();
    expect(calls(t.sent)).toEqual([`POST /channels/${CH}/play`, `POST /channels/${CH}/continue`]);
  });

  it('a play refused by Asterisk (an HTTP error) queued nothing: nothing to stop', async () => {
    const t = setup((s) => (s.path.endsWith('/play') ? 500 : null));
    await expect(t.control.play([{ sound: 'goodbye' }])).rejects.toBeInstanceOf(AriHttpError);
    await t.control.ring();
    expect(calls(t.sent)).toEqual([`POST /channels/${CH}/play`, `POST /channels/${CH}/continue`]);
  });
});

describe('the per-call state machine', () => {
  it('StasisEnd after our continue is a normal end; before it, it aborts the call', () => {
    const a = new CallSession(CH);
    a.transition('leaving');
    a.handle(ev({ type: 'StasisEnd', channel }));
    expect([a.endReason, a.signal.aborted]).toEqual(['finished', false]);
    const b = new CallSession(CH);
    b.handle(ev({ type: 'StasisEnd', channel }));
    expect([b.endReason, b.signal.aborted]).toEqual(['left-stasis', true]);
  });

  it('refuses transitions the table does not allow', () => {
    const s = new CallSession(CH);
    expect(s.transition('interacting')).toBe(true);
    expect(s.transition('screening')).toBe(false);
    s.end('hung-up');
    expect(s.transition('leaving')).toBe(false);
  });
});

describe('the bound on Stasis (TIMEOUT(absolute)) when answering', () => {
  const bound = (s: Sent) => s.path.endsWith('/variable') && s.query?.variable === 'TIMEOUT(absolute)';

  it('re-arms TIMEOUT(absolute) to answerBoundS right before the answer', async () => {
    const { control, sent } = setup(undefined, 145);
    await control.answer();
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual([`POST /channels/${CH}/variable`, `POST /channels/${CH}/answer`]);
    expect(sent[0]?.query).toEqual({ variable: 'TIMEOUT(absolute)', value: '145' });
  });

  it('does not answer when the bound cannot be re-armed (the captcha would be cut by it): the answer fails', async () => {
    const { control, sent } = setup((s) => (bound(s) ? 500 : null), 145);
    await expect(control.answer()).rejects.toBeInstanceOf(AriHttpError);
    expect(sent.some((s) => s.path.endsWith('/answer'))).toBe(false);
  });

  it('a 404 on the re-arm is a caller who hung up', async () => {
    const { control, session } = setup((s) => (bound(s) ? 404 : null), 145);
    await expect(control.answer()).rejects.toBeInstanceOf(CallerHungUpError);
    expect(session.phase).toBe('ended');
  });
});

describe('voicemail and reject are reported only when chut handed the channel to them', () => {
  const stasisEnd = () => ev({ type: 'StasisEnd', channel });
  const routeVars = (sent: Sent[]) => sent.filter((s) => s.path.endsWith('/variable')).map((s) => `${String(s.query?.variable)}=${String(s.query?.value)}`);
  const continues = (sent: Sent[]) => sent.filter((s) => s.path.endsWith('/continue')).length;

  for (const [why, leftWithoutUs] of [
    ['the snippet\'s time limit rang it (StasisEnd)', (s: CallSession) => s.handle(stasisEnd())],
    ['chut\'s stop() released it (evicted)', (s: CallSession) => s.end('evicted')],
  ] as const) {
    it(`after ${why}: reject and voicemail throw (the fail-open path records ring), nothing is sent`, async () => {
      const { control, session, sent } = setup();
      leftWithoutUs(session);
      await expect(control.reject()).rejects.toThrow(/reject not taken/);
      await expect(control.toVoicemail(null)).rejects.toThrow(/voicemail not taken/);
      expect(control.routed).toBe(false);
      await expect(control.ring()).resolves.toBeUndefined(); // the ring it got
      expect(sent).toEqual([]);
    });
  }

  it('a 409 on the route variables (the channel left Stasis, its StasisEnd lost in a WebSocket gap): reject throws, the fail-open ring routes', async () => {
    const { control, sent } = setup((s) => (s.path.endsWith('/variable') || s.path.endsWith('/continue') ? 409 : null));
    await expect(control.reject()).rejects.toThrow(/reject not taken.*409/);
    expect(continues(sent)).toBe(0);
    await control.ring();
    expect(control.routed).toBe(true);
    expect(routeVars(sent)).toEqual(['CHUT_ROUTE=reject', 'CHUT_REJECT=sit', 'CHUT_ROUTE=ring']);
  });

  it('a 409 on continue after the variables were set (the bound rang it in between): voicemail throws', async () => {
    const { control } = setup((s) => (s.path.endsWith('/continue') ? 409 : null));
    await expect(control.toVoicemail(null)).rejects.toThrow(/voicemail not taken.*409 on continue/);
    expect(control.routed).toBe(false);
  });

  it('CHUT_ROUTE refused (500): no continue for reject (the snippet would ring it); the fail-open ring sets ring and goes', async () => {
    let refused = false;
    const { control, sent } = setup((s) => (s.query?.variable === 'CHUT_ROUTE' && !refused ? (refused = true, 500) : null));
    await expect(control.reject()).rejects.toThrow(/reject not taken: CHUT_ROUTE could not be set/);
    expect(continues(sent)).toBe(0);
    await control.ring();
    expect(routeVars(sent)).toEqual(['CHUT_ROUTE=reject', 'CHUT_REJECT=sit', 'CHUT_ROUTE=ring']);
    expect(continues(sent)).toBe(1);
  });

  it('a 409 after our own continue may have reached Asterisk (no answer to it) is our route: reject holds', async () => {
    let n = 0;
    const { control } = setup((s) => (s.path.endsWith('/continue') ? (++n === 1 ? 'timeout' : 409) : null));
    await expect(control.reject()).resolves.toBe('reject');
    expect(control.routed).toBe(true);
  });

  it('ring still counts a 409 as routed: the dialplan has the call, which is all ring wants', async () => {
    const { control } = setup(() => 409);
    await control.ring();
    expect(control.routed).toBe(true);
  });
});
