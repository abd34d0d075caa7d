/**
 * The call path's lane (src/redis-lane/script-lane.ts) against a fake Redis on a loopback socket, beside a stand-in
 * for the ioredis client it follows: what it sends first (the client's credentials and database), which way each
 * command goes, and what a caller gets when the server refuses, answers garbage, answers late or not at all.
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { ScriptLane, type LaneScript } from '../../src/redis-lane/script-lane.js';
import { until } from '../helpers/until.js';

/** A RESP2 server whose answer to each command the test decides (`answer` returns the bytes, or null for silence). */
class FakeRedis {
  readonly commands: string[][] = [];
  readonly sockets: Socket[] = [];
  answer: (words: string[]) => string | null = () => ':1\r\n';
  private constructor(readonly server: Server) {}

  static async start(): Promise<FakeRedis> {
    const server = createServer();
    const fake = new FakeRedis(server);
    server.on('connection', (socket) => {
      fake.sockets.push(socket);
      let pending = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          const command = wholeCommand(pending);
          if (!command) break;
          pending = pending.subarray(command.end);
          fake.commands.push(command.words);
          const reply = fake.answer(command.words);
          if (reply !== null) socket.write(reply);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** `*N\r\n$len\r\nword\r\n…` → its words, or null until all of it came. */
function wholeCommand(buf: Buffer): { words: string[]; end: number } | null {
  const header = /^\*(\d+)\r\n/.exec(buf.toString('latin1', 0, 16));
  if (!header) return null;
  let at = header[0].length;
  const words: string[] = [];
  for (let i = 0; i < Number(header[1]); i++) {
    const len = /^\$(\d+)\r\n/.exec(buf.toString('latin1', at, at + 16));
    if (!len) return null;
    const start = at + len[0].length;
    const end = start + Number(len[1]);
    if (end + 2 > buf.length) return null;
    words.push(buf.toString('utf8', start, end));
    at = end + 2;
  }
  return { words, end: at };
}

/** What the lane reads of the ioredis client: its status, options, connection, and events. */
class ClientStandIn extends EventEmitter {
  status = 'wait';
  stream: { remoteAddress: string; remotePort: number } | undefined;
  constructor(readonly options: Record<string, unknown>) {
    super();
  }

  connectedTo(port: number): this {
    this.stream = { remoteAddress: '127.0.0.1', remotePort: port };
    this.status = 'ready';
    this.emit('ready');
    return this;
  }

  lost(): void {
    this.status = 'reconnecting';
    this.emit('close');
  }
}

const viaClient: string[][] = [];
const script: LaneScript = {
  sha: 'a'.repeat(40), numberOfKeys: 1,
  viaClient: async (...args) => {
    viaClient.push(args.map(String));
    return 'from the client';
  },
};

let fake: FakeRedis;
const lanes: ScriptLane[] = [];

async function lane(options: Record<string, unknown> = {}, timeouts = { commandMs: 2000, socketMs: 3000 }): Promise<{ lane: ScriptLane; client: ClientStandIn }> {
  fake = await FakeRedis.start();
  const client = new ClientStandIn(options);
  const l = new ScriptLane(client as unknown as Redis, timeouts);
  lanes.push(l);
  client.connectedTo(fake.port);
  return { lane: l, client };
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const l of lanes.splice(0)) l.close();
  viaClient.length = 0;
  await fake?.stop();
});

describe('ScriptLane', () => {
  it('sends EVALSHA with the script, its key count and arguments once connected; the reply is the caller\'s', async () => {
    const { lane: l } = await lane();
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => '*3\r\n$2\r\nhi\r\n:5\r\n$-1\r\n';
    await expect(l.run(script, ['chut:k', 'v', 7])).resolves.toEqual(['hi', 5, null]);
    expect(fake.commands).toEqual([['PING'], ['EVALSHA', script.sha, '1', 'chut:k', 'v', '7']]);
    expect(viaClient).toEqual([]);
  });

  it('goes through the client until the lane is connected, and after the client\'s connection closed', async () => {
    fake = await FakeRedis.start();
    const client = new ClientStandIn({});
    const l = new ScriptLane(client as unknown as Redis, { commandMs: 2000, socketMs: 3000 });
    lanes.push(l);
    await expect(l.run(script, ['k'])).resolves.toBe('from the client'); // the client is not ready: no lane
    client.connectedTo(fake.port);
    await until(() => l.connected, 'the lane to connect');
    client.lost();
    expect(l.connected).toBe(false);
    await expect(l.run(script, ['k2'])).resolves.toBe('from the client');
    expect(viaClient).toEqual([['k'], ['k2']]);
    client.connectedTo(fake.port); // the client is back: so is the lane
    await until(() => l.connected, 'the lane to connect again');
  });

  it('logs in with the client\'s user and password, selects its database and hears a PONG before any script', async () => {
    const { lane: l } = await lane({ username: 'chut', password: 'p@ss word', db: 3 });
    fake.answer = (words) => (words[0] === 'EVALSHA' ? ':9\r\n' : '+OK\r\n');
    await until(() => l.connected, 'the lane to connect');
    await expect(l.run(script, ['k'])).resolves.toBe(9);
    expect(fake.commands).toEqual([['AUTH', 'chut', 'p@ss word'], ['SELECT', '3'], ['PING'], ['EVALSHA', script.sha, '1', 'k']]);
  });

  it('a refused login leaves the lane down and the commands on the client', async () => {
    fake = await FakeRedis.start();
    fake.answer = () => '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
    const client = new ClientStandIn({ password: 'wrong' });
    const l = new ScriptLane(client as unknown as Redis, { commandMs: 2000, socketMs: 3000 });
    lanes.push(l);
    client.connectedTo(fake.port);
    await until(() => fake.commands.length >= 2, 'the lane to try');
    await expect(l.run(script, ['k'])).resolves.toBe('from the client');
    expect(l.connected).toBe(false);
    expect(fake.commands.slice(0, 2)).toEqual([['AUTH', 'default', 'wrong'], ['PING']]);
  });

  it('a refused login is logged once, in Redis\'s words and without the password, and its end once', async () => {
    fake = await FakeRedis.start();
    let refusing = true;
    fake.answer = (words) => (refusing && words[0] === 'AUTH' ? '-WRONGPASS invalid username-password pair or user is disabled.\r\n' : '+OK\r\n');
    const logged: Array<{ level: string; line: string }> = [];
    const logger = {
      warn: (obj: unknown, msg?: string) => { logged.push({ level: 'warn', line: JSON.stringify([obj, msg]) }); },
      info: (obj: unknown, msg?: string) => { logged.push({ level: 'info', line: JSON.stringify([obj, msg]) }); },
    };
    const client = new ClientStandIn({ password: 's3cret-lane' });
    const l = new ScriptLane(client as unknown as Redis, { commandMs: 2000, socketMs: 3000, logger: logger as never });
    lanes.push(l);
    client.connectedTo(fake.port);
    await until(() => fake.commands.filter((c) => c[0] === 'AUTH').length >= 2, 'a second login (after 0.5-1 s)', 10_000);
    expect(logged.map((x) => x.level)).toEqual(['warn']);
    expect(logged[0]?.line).toMatch(/WRONGPASS invalid username-password pair/);
    refusing = false;
    await until(() => l.connected, 'the lane let in (after 1-2 s)', 10_000);
    expect(logged.map((x) => x.level)).toEqual(['warn', 'info']);
    for (const { line } of logged) expect(line).not.toContain('s3cret-lane');
  });

  it('a server that lost the script (NOSCRIPT) gets it from the client, which loads it again', async () => {
    const { lane: l } = await lane();
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => '-NOSCRIPT No matching script. Please use EVAL.\r\n';
    await expect(l.run(script, ['k'])).resolves.toBe('from the client');
    expect(viaClient).toEqual([['k']]);
    expect(l.connected).toBe(true);
  });

  it('an error reply is the caller\'s error, as ioredis gives it (a ReplyError with Redis\'s words)', async () => {
    const { lane: l } = await lane();
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => '-READONLY You can\'t write against a read only replica.\r\n';
    const err = await l.run(script, ['k']).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ReplyError', message: 'READONLY You can\'t write against a read only replica.' });
    expect(l.connected).toBe(true);
  });

  it('replies cut anywhere and several in one chunk each reach their own caller, in order', async () => {
    const { lane: l } = await lane();
    await until(() => l.connected, 'the lane to connect');
    const held: string[] = [];
    fake.answer = (words) => {
      held.push(`$${Buffer.byteLength(words[3] ?? '')}\r\n${words[3] ?? ''}\r\n`);
      return null;
    };
    const replies = Promise.all(['a', 'é\r\n', 'ccc'].map((x) => l.run(script, [x])));
    await until(() => held.length === 3, 'the three commands');
    const wire = Buffer.from(held.join(''));
    const socket = fake.sockets[0] as Socket;
    for (let i = 0; i < wire.length; i++) socket.write(wire.subarray(i, i + 1));
    await expect(replies).resolves.toEqual(['a', 'é\r\n', 'ccc']);
  });

  it('a command unanswered past its bound fails ("Command timed out"), and its late reply is not taken for the next one\'s', async () => {
    const { lane: l } = await lane({}, { commandMs: 100, socketMs: 60_000 });
    await until(() => l.connected, 'the lane to connect');
    fake.answer = (words) => (words[3] === 'first' ? null : ':2\r\n');
    await expect(l.run(script, ['first'])).rejects.toThrow(/^Command timed out$/);
    (fake.sockets[0] as Socket).write(':1\r\n'); // the first one's reply, late
    await expect(l.run(script, ['second'])).resolves.toBe(2);
    expect(l.connected).toBe(true);
  });

  it('a server silent past the connection\'s bound is dropped: what waits fails, and the commands go through the client', async () => {
    const { lane: l } = await lane({}, { commandMs: 60_000, socketMs: 150 });
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => null;
    const waiting = [l.run(script, ['a']), l.run(script, ['b'])];
    for (const w of waiting) await expect(w).rejects.toThrow(/^Socket timeout\. Expecting data, but didn't receive any in 150ms\.$/);
    expect(l.connected).toBe(false);
    await expect(l.run(script, ['c'])).resolves.toBe('from the client');
  });

  it('bytes that are not RESP drop the lane (a ParserError to what waits), and it connects again while the client is up', async () => {
    const { lane: l } = await lane();
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => 'HTTP/1.1 400 Bad Request\r\n\r\n';
    const err = await l.run(script, ['k']).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ParserError' });
    expect(l.connected).toBe(false);
    await expect(l.run(script, ['k'])).resolves.toBe('from the client');
    fake.answer = () => ':3\r\n';
    await until(() => l.connected, 'the lane to connect again (after 0.5-1 s)', 10_000);
    await expect(l.run(script, ['k'])).resolves.toBe(3);
  });

  it('the client\'s connection closing fails what waits on the lane as ioredis fails its own ("Connection is closed.")', async () => {
    const { lane: l, client } = await lane();
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => null;
    const waiting = l.run(script, ['k']);
    await until(() => fake.commands.some((c) => c[0] === 'EVALSHA'), 'the command to reach the server');
    client.lost();
    await expect(waiting).rejects.toThrow(/^Connection is closed\.$/);
    await until(() => fake.sockets.every((s) => s.destroyed || s.readableEnded), 'the lane\'s connection to close');
  });

  it('logs in as the client\'s user when that user has no password, as ioredis does (not as Redis\'s default user)', async () => {
    const { lane: l } = await lane({ username: 'chut', password: '' });
    fake.answer = (words) => (words[0] === 'EVALSHA' ? ':9\r\n' : '+OK\r\n');
    await until(() => l.connected, 'the lane to connect');
    expect(fake.commands).toEqual([['AUTH', 'chut', ''], ['PING']]);
  });

  it('writes each argument as ioredis does (null and undefined as empty), and the next caller gets its own reply', async () => {
    const { lane: l } = await lane();
    await until(() => l.connected, 'the lane to connect');
    fake.answer = (words) => `$${Buffer.byteLength(words[3] ?? '')}\r\n${words[3] ?? ''}\r\n`;
    const unwritable = { toString(): string { throw new Error('no text'); } };
    await expect(l.run(script, [undefined as unknown as string])).resolves.toBe('');
    await expect(l.run(script, [unwritable as unknown as string])).rejects.toThrow('no text');
    await expect(l.run(script, ['next'])).resolves.toBe('next');
    expect(fake.commands.slice(1).map((c) => c[3])).toEqual(['', 'next']);
  });

  it('a command sent after an earlier one timed out gets its own bound, not the connection\'s silence bound', async () => {
    const { lane: l } = await lane({}, { commandMs: 100, socketMs: 60_000 });
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => null;
    await expect(l.run(script, ['first'])).rejects.toThrow(/^Command timed out$/);
    await expect(l.run(script, ['second'])).rejects.toThrow(/^Command timed out$/); // not a minute later
  }, 10_000);

  it('a command times out on its bound even when the wall clock steps back meanwhile (NTP, a VM restored)', async () => {
    const { lane: l } = await lane({}, { commandMs: 100, socketMs: 60_000 });
    await until(() => l.connected, 'the lane to connect');
    fake.answer = () => null;
    const waiting = l.run(script, ['k']);
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
    await expect(waiting).rejects.toThrow(/^Command timed out$/); // not an hour later
  }, 10_000);

  it('an address that accepts the connection but never answers (a stopped server) is never taken for a ready lane', async () => {
    fake = await FakeRedis.start();
    fake.answer = () => null;
    const client = new ClientStandIn({});
    const l = new ScriptLane(client as unknown as Redis, { commandMs: 60_000, socketMs: 100 });
    lanes.push(l);
    client.connectedTo(fake.port);
    await until(() => fake.commands.length > 0, 'the lane\'s PING');
    await expect(l.run(script, ['k'])).resolves.toBe('from the client');
    await until(() => fake.sockets[0]?.destroyed === true || fake.sockets[0]?.readableEnded === true, 'the silent connection dropped');
    expect(l.connected).toBe(false);
  });

  it('a TLS client is left alone: every command goes through it', async () => {
    const { lane: l } = await lane({ tls: {} });
    await expect(l.run(script, ['k'])).resolves.toBe('from the client');
    expect(l.connected).toBe(false);
    expect(fake.sockets).toEqual([]);
  });
});
