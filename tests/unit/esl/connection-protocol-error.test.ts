/**
 * Frames read in the same chunk as a protocol error (FreeSWITCH's connect reply, then garbage, in one read): the
 * connection handles them as it would had the error come in its next read. What they start runs (a session that has
 * its connect reply watches the connection and sends its next command), then the connection ends for the protocol
 * error, and that close reaches the session: ended by chut, not by the peer, even if the peer's close is read first.
 * Once the connection ended, what the peer still sends is not read.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EslConnection } from '../../../src/esl/connection.js';
import { MAX_CALL_FRAME_BYTES } from '../../../src/esl/frame.js';
import { until } from '../../helpers/until.js';
import { MemorySocket } from './memory-socket.js';
import { transcriptRecords } from './transcript.js';

const CONNECT_REPLY = transcriptRecords('esl-outbound-session.s2c.raw')[0] as Buffer;
const GARBAGE = Buffer.from('not a header line\n\n');
const REFUSED = 'protocol error: not a header line: "not a header line"';

/** A connection whose `connect` is answered by the connect reply and the garbage in one read; once the reply came,
 * `then` runs as a session would (before anything else happens on the connection). Resolves when it is closed. */
async function replyWithGarbage(then: (conn: EslConnection, socket: MemorySocket) => void): Promise<{
  caller: string | undefined; closes: Array<[string, boolean]>; socket: MemorySocket;
}> {
  const socket = new MemorySocket();
  const conn = new EslConnection(socket as unknown as Socket, {}, MAX_CALL_FRAME_BYTES);
  const closes: Array<[string, boolean]> = [];
  const reply = conn.send('connect\n\n').then((r) => {
    conn.handlers = { onClose: (reason, byPeer) => closes.push([reason, byPeer]) };
    then(conn, socket);
    return r;
  });
  socket.emit('data', Buffer.concat([CONNECT_REPLY, GARBAGE]));
  const caller = (await reply).frame.headers['Caller-Caller-ID-Number'];
  await until(() => conn.closed, 'the connection closed');
  return { caller, closes, socket };
}

describe('ESL connection: frames read with a protocol error', () => {
  it('the reply is handed over, its session sends its next command, then learns that chut ended the connection', async () => {
    let next: Promise<unknown> = Promise.resolve(null);
    const { caller, closes, socket } = await replyWithGarbage((conn) => { next = conn.send('myevents\n\n').catch((err: unknown) => err); });
    expect(caller).toBe('+33162000000');
    expect(socket.written).toEqual(['connect\n\n', 'myevents\n\n']);
    expect(await next).toMatchObject({ name: 'EslClosedError', message: REFUSED });
    expect(closes).toEqual([[REFUSED, false]]);
    expect(socket.ended).toBe(true);
  });

  it('a peer\'s close read before chut ends the connection: still ended by chut, for the protocol error', async () => {
    // the garbage would have ended the connection before the peer's close had it come in a read of its own
    const { closes } = await replyWithGarbage((_conn, socket) => { socket.emit('close'); });
    expect(closes).toEqual([[REFUSED, false]]);
  });
});

/** A socket chut has ended but its peer has not yet: as a real one after end(), it still delivers what the peer sent
 * before it read chut's FIN. */
class HalfClosedSocket extends MemorySocket {
  override end(): void {
    this.ended = true;
  }
}

describe('ESL connection: what comes once it ended', () => {
  const HANGUP = transcriptRecords('esl-outbound-session.s2c.raw')[30] as Buffer;

  /** The events a connection hands over after `end` ended it, from a peer that goes on sending. */
  function eventsAfter(end: (conn: EslConnection, socket: MemorySocket) => void): string[] {
    const socket = new HalfClosedSocket();
    const events: string[] = [];
    const conn = new EslConnection(socket as unknown as Socket, { onEvent: (e) => events.push(e['Event-Name'] ?? '?') }, MAX_CALL_FRAME_BYTES);
    socket.emit('data', HANGUP);
    expect(events).toEqual(['CHANNEL_HANGUP']); // read as any event while the connection is open
    end(conn, socket);
    expect(conn.closed).toBe(true);
    socket.emit('data', HANGUP);
    return events.slice(1);
  }

  it('after a protocol error read alone: the stream is not read past it, nothing reaches the session', () => {
    expect(eventsAfter((_conn, socket) => socket.emit('data', GARBAGE))).toEqual([]);
  });

  it('after chut ended it itself (the call rang, a reply timed out): nothing reaches the session', () => {
    expect(eventsAfter((conn) => conn.close('ring'))).toEqual([]);
  });
});
