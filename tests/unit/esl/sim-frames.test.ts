import { describe, expect, it } from 'vitest';
import { FrameParser } from '../../../src/esl/frame.js';
import { apiResponse, connectReply, disconnectNotice, lingerNotice, plainEvent, reply, rudeRejection } from '../../../src/sim/esl/frames.js';
import { transcriptRecords } from './transcript.js';

const session = transcriptRecords('esl-outbound-session.s2c.raw').map((b) => b.toString('utf8'));
const auth = transcriptRecords('esl-inbound-auth.s2c.raw').map((b) => b.toString('utf8'));

describe('the simulator frames replies exactly like FreeSWITCH', () => {
  it('command replies, api responses and disconnect notices are byte for byte the recorded ones', () => {
    expect(session).toContain(reply('+OK Events Enabled'));
    expect(session).toContain(reply('+OK will linger 5 seconds'));
    expect(session).toContain(reply('+OK'));
    expect(session).toContain(apiResponse('allowed_1234'));
    expect(session).toContain(lingerNotice('aad4a0a1-6460-4301-af97-118ec520c3bf', 'loopback/1000-b', 5));
    expect(session).toContain(disconnectNotice('aad4a0a1-6460-4301-af97-118ec520c3bf'));
    expect(auth).toContain('Content-Type: auth/request\n\n');
    expect(auth).toContain(reply('-ERR invalid'));
    expect(auth).toContain(disconnectNotice(null));
  });

  it('the connect reply is one block: url-encoded channel data first, reply headers last, no Content-Length', () => {
    const frame = connectReply([['Caller-Caller-ID-Number', '+33162000000'], ['Caller-Caller-ID-Name', 'A\n\nB']]);
    expect(frame).toBe('Event-Name: CHANNEL_DATA\nCaller-Caller-ID-Number: %2B33162000000\nCaller-Caller-ID-Name: A%0A%0AB\n' +
      'Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n');
    const recorded = session[0] as string;
    expect(recorded.endsWith('Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n')).toBe(true);
    const [parsed] = new FrameParser().push(Buffer.from(frame));
    expect(parsed?.headers['Caller-Caller-ID-Name']).toBe('A\n\nB');
  });

  it('events: Content-Length first, then text/event-plain, a body of url-encoded headers ending in a blank line', () => {
    const frame = plainEvent([['Event-Name', 'DTMF'], ['DTMF-Digit', '#']]);
    expect(frame).toBe('Content-Length: 34\nContent-Type: text/event-plain\n\nEvent-Name: DTMF\nDTMF-Digit: %23\n\n');
    const recordedDtmf = session.find((f) => f.includes('DTMF-Digit: %23')) as string;
    expect(recordedDtmf.startsWith('Content-Length: ')).toBe(true);
    expect(recordedDtmf.split('\n')[1]).toBe('Content-Type: text/event-plain');
    expect(recordedDtmf.endsWith('\n\n')).toBe(true);
  });

  it('an ACL rejection is what mod_event_socket\'s listener_run writes (from its source: no transcript holds one)', () => {
    expect(rudeRejection()).toBe('Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n');
    const [frame] = new FrameParser().push(Buffer.from(rudeRejection() + disconnectNotice(null)));
    expect(frame?.headers['Content-Type']).toBe('text/rude-rejection');
    expect(frame?.body).toBe('Access Denied, go away.\n');
  });
});
