/** EslCallControl over a loopback socket: which failures read as the caller hanging up. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { EslCallControl } from '../../../src/esl/call-control.js';
import { EslConnection } from '../../../src/esl/connection.js';
import { createLogger, silentLogger, type Logger } from '../../../src/logger.js';
import type { BoundTarget } from '../../../src/esl/bound.js';
import { CallerHungUpError } from '../../../src/screening/types.js';

const REPLY_OK = 'Content-Type: command/reply\nReply-Text: +OK\n\n';

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** chut's side of a connection whose FreeSWITCH side answers every command with `answer` (or stays mute); `bound`:
 * chut.xml armed its bound for the call. */
async function pair(answer: string | null, opts: { logger?: Logger; bound?: BoundTarget } = {}): Promise<{ control: EslCallControl; conn: EslConnection; peer: Promise<Socket> }> {
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
  const control = new EslCallControl(conn, parseConfig({}), opts.logger ?? silentLogger(), () => Promise.resolve(true), () => undefined,
    'aad4a0a1-6460-4301-af97-118ec520c3bf', opts.bound ?? null);
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

describe('EslCallControl: an app the hang-up cut short', () => {
  /** Plays or asks for digits, then answers the app's completion as FreeSWITCH does once the caller hung up. */
  async function cutShort(start: (c: EslCallControl) => Promise<unknown>, response: string): Promise<unknown> {
    const { control, conn, peer } = await pair(REPLY_OK);
    const frames: string[] = [];
    (await peer).on('data', (chunk: Buffer) => frames.push(String(chunk)));
    const running = start(control).catch((e: unknown) => e);
    const sent = async (app: string): Promise<string> => {
      for (let i = 0; i < 100; i++) {
        const id = frames.join('').match(new RegExp(`execute-app-name: ${app}\\n(?:[^\\n]*\\n)*?Event-UUID: ([0-9a-f-]+)`))?.[1];
        if (id) return id;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`${app} was never sent`);
    };
    const app = response === 'PLAYBACK ERROR' ? 'playback' : 'play_and_get_digits';
    if (app === 'play_and_get_digits') {
      control.onEvent({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', 'Application-UUID': await sent('playback'), 'Application-Response': 'FILE PLAYED', 'Answer-State': 'answered' });
      control.onEvent({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', 'Application-UUID': await sent('flush_dtmf'), 'Application-Response': '_none_', 'Answer-State': 'answered' });
    }
    // the completion read before CHANNEL_HANGUP: chut must not take it for a failed prompt or a silent caller
    control.onEvent({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', 'Application-UUID': await sent(app), 'Application-Response': response, 'Answer-State': 'hangup' });
    const result = await running;
    conn.close('test over');
    return result;
  }

  it('a prompt ended by the hang-up (PLAYBACK ERROR, Answer-State: hangup) is the caller hanging up, not a prompt that failed', async () => {
    expect(await cutShort((c) => c.play([{ sound: 'please-enter-the' }]), 'PLAYBACK ERROR')).toBeInstanceOf(CallerHungUpError);
  });

  it('a digit wait ended by the hang-up is the caller hanging up, not a silent caller', async () => {
    const asked = cutShort((c) => c.askDigits({ prompt: [{ sound: 'beep' }], maxDigits: 4, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 2000 }), '_none_');
    expect(await asked).toBeInstanceOf(CallerHungUpError);
  });
});

describe('EslCallControl: the caller hangs up while chut deletes the dial plan\'s bound', () => {
  const verbs: Array<[string, (c: EslCallControl) => Promise<unknown>]> = [['answer (captcha)', (c) => c.answer()], ['reject', (c) => c.reject()]];
  for (const [what, start] of verbs) {
    it(`${what}: a hang-up, not "the call left chut before it was routed" with a warning`, async () => {
      const lines: string[] = [];
      const logger = createLogger('debug', new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
      // FreeSWITCH never answers sched_del: the caller hangs up first, and the connection goes with them
      const { control, conn, peer } = await pair(null, { logger, bound: { destination: '1000', context: 'public' } });
      const received: string[] = [];
      (await peer).on('data', (chunk: Buffer) => received.push(String(chunk)));
      const running = start(control).catch((e: unknown) => e);
      for (let i = 0; i < 100 && !received.join('').includes('api sched_del'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(received.join('')).toContain('api sched_del aad4a0a1-6460-4301-af97-118ec520c3bf');
      control.hungUp(); // CHANNEL_HANGUP
      conn.close('closed by peer', true);
      expect(await running).toBeInstanceOf(CallerHungUpError);
      expect(received.join('')).not.toContain('sendmsg');
      expect(lines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 40)).toEqual([]);
    });
  }
});

describe('EslCallControl: an app whose sendmsg is not answered +OK never runs', () => {
  it.each([
    ['empty', '', '""'],
    ['-ERR behind a bidi override', '%E2%80%AE-ERR', '"\\u202e-ERR"'],
  ])('%s: the verb fails at once (the call then rings), quoting the reply with its invisible characters shown', async (_what, replyText, shown) => {
    // such a reply counted as accepted: chut waited up to 120 s for the completion of a prompt FreeSWITCH never queued
    const { control, conn } = await pair(`Content-Type: command/reply\nReply-Text: ${replyText}\n\n`);
    const err = await control.play([{ sound: 'please-enter-the' }]).catch((e: unknown) => e);
    conn.close('test over');
    expect(err).not.toBeInstanceOf(CallerHungUpError);
    expect((err as Error).message).toBe(`playback refused: ${shown}`);
  }, 3000);
});

describe('EslCallControl: a prompt that did not play', () => {
  it('quotes FreeSWITCH\'s Application-Response with its invisible characters shown', async () => {
    const { control, conn, peer } = await pair(REPLY_OK);
    const frames: string[] = [];
    (await peer).on('data', (chunk: Buffer) => frames.push(String(chunk)));
    const playing = control.play([{ sound: 'please-enter-the' }]).catch((e: unknown) => e);
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      id = /execute-app-name: playback\n(?:[^\n]*\n)*?Event-UUID: ([0-9a-f-]+)/.exec(frames.join(''))?.[1];
      if (!id) await new Promise((r) => setTimeout(r, 10));
    }
    // a url-decoded event value: a bidi override would make the words after it read backwards in the log
    control.onEvent({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', 'Application-UUID': id ?? '', 'Application-Response': 'FILE NOT FOUND\u202e!', 'Answer-State': 'answered' });
    const err = await playing;
    conn.close('test over');
    expect((err as Error).message).toMatch(/ did not play \("FILE NOT FOUND\\u202e!"\)$/);
  });
});
