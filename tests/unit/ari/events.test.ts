import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventChannelId, isChannelId, parseFrame, strandedChannel } from '../../../src/ari/events.js';

const FIXTURES = 'tests/fixtures/asterisk';
const lines = (file: string) => readFileSync(`${FIXTURES}/${file}`, 'utf8').split('\n').filter((l) => l.trim() !== '');

describe('ARI frame parsing against the recorded Asterisk frames', () => {
  for (const file of ['ari-stasis-call.jsonl', 'ari-caller-hangs-up.jsonl', 'ari-caller-hangs-up-subscribed.jsonl', 'ari-errors-live.jsonl']) {
    it(`parses every line of ${file} into the event type it declares`, () => {
      for (const line of lines(file)) {
        const declared = (JSON.parse(line) as { type: string }).type;
        const parsed = parseFrame(line);
        expect(parsed.ok, line.slice(0, 80)).toBe(true);
        if (!parsed.ok) continue;
        if (parsed.event.type === 'Other') expect(parsed.event.name).toBe(declared);
        else expect(parsed.event.type).toBe(declared);
      }
    });
  }

  it('reads the caller, the dialled extension and the args of a StasisStart', () => {
    const parsed = parseFrame(lines('ari-stasis-call.jsonl')[0] as string);
    expect(parsed.ok && parsed.event.type === 'StasisStart' ? parsed.event : null).toMatchObject({
      args: [],
      channel: { id: '1795889353.33', caller: { name: 'TELEMARKETING', number: '+33162000000' }, dialplan: { exten: '0100000000', context: 'from-pstn' } },
    });
  });

  it('reads DTMF digits and durations in order', () => {
    const digits = lines('ari-stasis-call.jsonl').map(parseFrame)
      .flatMap((p) => (p.ok && p.event.type === 'ChannelDtmfReceived' ? [`${p.event.digit}/${p.event.duration_ms}`] : []));
    expect(digits).toEqual(['1/200', '2/200', '3/200', '4/200']);
  });

  it('sees a failed playback, the hang-up cause and the channel of a playback event', () => {
    const events = lines('ari-caller-hangs-up.jsonl').map(parseFrame).flatMap((p) => (p.ok ? [p.event] : []));
    const hangup = events.find((e) => e.type === 'ChannelHangupRequest');
    const finished = events.find((e) => e.type === 'PlaybackFinished');
    expect(hangup && 'cause' in hangup ? hangup.cause : null).toBe(16);
    expect(finished && 'playback' in finished ? finished.playback.state : null).toBe('failed');
    expect(finished && 'playback' in finished ? eventChannelId(finished) : null).toBe('1795889369.37');
  });

  it('recognises ChannelVarset and ChannelUserevent as events it does not act on', () => {
    const names = lines('ari-errors-live.jsonl').map(parseFrame).flatMap((p) => (p.ok && p.event.type === 'Other' ? [p.event.name] : []));
    expect(names).toEqual(['ChannelVarset', 'ChannelUserevent']);
  });
});

describe('hostile frames are refused, never thrown', () => {
  const stasis = JSON.parse(lines('ari-stasis-call.jsonl')[0] as string) as Record<string, unknown> & { channel: Record<string, unknown> };
  const cases: Array<[string, string]> = [
    ['not JSON', '{"type":"StasisStart",'],
    ['an array', '[1,2,3]'],
    ['null', 'null'],
    ['no type', '{"channel":{}}'],
    ['a number type', '{"type":42}'],
    ['StasisStart without channel', '{"type":"StasisStart","args":[]}'],
    ['a channel id with a slash', JSON.stringify({ ...stasis, channel: { ...stasis.channel, id: '../../asterisk/info' } })],
    // no slash, yet `/channels/../continue` normalises to another REST path
    ['a channel id `..`', JSON.stringify({ ...stasis, channel: { ...stasis.channel, id: '..' } })],
    ['a channel id `.`', JSON.stringify({ ...stasis, channel: { ...stasis.channel, id: '.' } })],
    ['a DTMF digit that is not one', JSON.stringify({ ...stasis, type: 'ChannelDtmfReceived', digit: '12' })],
    ['a caller name of 10 kB', JSON.stringify({ ...stasis, channel: { ...stasis.channel, caller: { name: 'x'.repeat(10_000), number: '1' } } })],
    ['a 300 kB frame', `{"type":"StasisStart","pad":"${'x'.repeat(300_000)}"}`],
  ];
  for (const [name, raw] of cases) {
    it(`refuses ${name}`, () => {
      const parsed = parseFrame(raw);
      expect(parsed.ok).toBe(false);
    });
  }

  it('sends on no unreadable StasisStart whose channel id is a dot segment', () => {
    const raw = (id: unknown) => JSON.stringify({ type: 'StasisStart', channel: { id } });
    for (const id of ['..', '.']) expect(isChannelId(strandedChannel(raw(id))?.id), id).toBe(false);
    expect(strandedChannel(raw('1795889353.33'))).toEqual({ id: '1795889353.33', creationtime: null });
    expect(isChannelId(strandedChannel(raw('1795889353.33'))?.id)).toBe(true);
    expect(strandedChannel(raw(42))).toBeNull();
    expect(strandedChannel(JSON.stringify({ type: 'ChannelDestroyed', channel: { id: '1795889353.33' } }))).toBeNull();
    // its creation time, text of at most 64 characters, tells apart two channels given the same id one after the other
    const created = (creationtime: unknown) => JSON.stringify({ type: 'StasisStart', channel: { id: 'a/b', creationtime } });
    expect(strandedChannel(created('2026-11-28T18:09:13.766+0000'))).toEqual({ id: 'a/b', creationtime: '2026-11-28T18:09:13.766+0000' });
    for (const other of [42, 'x'.repeat(65), null]) expect(strandedChannel(created(other))).toEqual({ id: 'a/b', creationtime: null });
  });

  it('takes as channel ids single safe path segments only', () => {
    for (const id of ['1795889353.33', 'chut-orig.1', 'a..b', '.hidden', 'x'.repeat(128)]) expect(isChannelId(id), id).toBe(true);
    for (const id of ['.', '..', '...', '../x', 'a/b', 'a%2e', '', 'x'.repeat(129), 42, null]) expect(isChannelId(id), String(id)).toBe(false);
  });

  it('keeps caller data as plain strings (quotes, newlines, unicode survive untouched)', () => {
    const name = 'Bob "\'; DROP\r\nAction: Ping ☎';
    const parsed = parseFrame(JSON.stringify({ ...stasis, channel: { ...stasis.channel, caller: { name, number: '+33 1 62;verstat=TN-Validation-Passed' } } }));
    expect(parsed.ok && parsed.event.type === 'StasisStart' ? parsed.event.channel.caller : null)
      .toEqual({ name, number: '+33 1 62;verstat=TN-Validation-Passed' });
  });
});
