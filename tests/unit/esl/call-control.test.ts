/** EslCallControl over a loopback socket: which failures read as the caller hanging up. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { EslCallControl } from '../../../src/esl/call-control.js';
import { EslConnection } from '../../../src/esl/connection.js';
import { silentLogger } from '../../../src/logger.js';
import { CallerHungUpError } from '../../../src/screening/types.js';

const REPLY_OK = 'Content-Type: command/reply\nReply-Text: +OK\n\n';

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** chut's side of a connection whose FreeSWITCH side answers every command with `answer` (or stays mute). */
async function pair(answer: string | null): Promise<{ control: EslCallControl; conn: EslConnection; peer: Promise<Socket> }> {
  let gotPeer: (s: Socket) => void = () => undefined;
  const peer = new Promise<Socket>((resolve) => { gotPeer = resolve; });
  server = createServer((s) => {
    s.on('data', (chunk: Buffer) => { if (answer !== null && chunk.includes('\n\n')) s.write(answer); });
    s.on('error', () => undefined);
    gotPeer(s);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const socket = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const conn = new EslConnection(socket);
  const control = new EslCallControl(conn, parseConfig({}), silentLogger(), () => Promise.resolve(true), () => undefined, 'aad4a0a1-6460-4301-af97-118ec520c3bf');
  // As the session wires it while a captcha runs (routed, the connection not held).
  conn.handlers = { onClose: (reason) => control.connectionLost(reason) };
  return { control, conn, peer };
}

describe('EslCallControl: a lost connection is not a hang-up', () => {
  it('a send that fails because chut ended the connection rejects with a plain error', async () => {
    const { control, conn } = await pair(null);
    const playing = control.play([{ sound: 'please-enter-the' }]);
    setTimeout(() => conn.close('reply timeout'), 20);
    const err = await playing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(CallerHungUpError);
    expect(control.signal.aborted).toBe(false);
  });

  it('the same failure after the caller hung up is a CallerHungUpError', async () => {
    const { control, conn } = await pair(null);
    const playing = control.play([{ sound: 'please-enter-the' }]);
    setTimeout(() => { control.hungUp(); conn.close('closed by peer', true); }, 20);
    await expect(playing).rejects.toBeInstanceOf(CallerHungUpError);
  });

  it('an app already accepted and still running fails at once when the connection is lost (no 120 s wait)', async () => {
    const { control, conn } = await pair(REPLY_OK);
    const started = Date.now();
    const playing = control.play([{ sound: 'please-enter-the' }]);
    setTimeout(() => conn.close('protocol error: not a header line'), 50);
    const err = await playing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(CallerHungUpError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
