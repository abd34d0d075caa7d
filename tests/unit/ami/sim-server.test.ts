/**
 * The AMI simulator against the recorded transcripts: the client packets of tests/fixtures/asterisk are
 * replayed to the simulator, and its replies must be the recorded bytes (only Ping's Timestamp differs).
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmiSimulator, type AmiSimulator } from '../../../src/sim/ami/index.js';

interface Chunk { dir: 'C->S' | 'S->C' | 'EOF'; conn: string; bytes: string }

/** Splits an annotated transcript into its chunks (marker lines start with `###`). */
function transcript(name: string): Chunk[] {
  const text = readFileSync(new URL(`../../fixtures/asterisk/${name}`, import.meta.url), 'utf8');
  const chunks: Chunk[] = [];
  for (const part of text.split(/^(?=### )/m)) {
    const m = /^### (C->S|S->C|EOF) (\S+) [^\r\n]*\r\n/.exec(part);
    if (m) chunks.push({ dir: m[1] as Chunk['dir'], conn: m[2] as string, bytes: part.slice(m[0].length) });
  }
  return chunks;
}

class Client {
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { this.buffer += d; this.waiters.splice(0).forEach((w) => w()); });
    socket.on('close', () => { this.closed = true; this.waiters.splice(0).forEach((w) => w()); });
  }
  static open(port: number): Promise<Client> {
    return new Promise((resolve) => { const s = connect(port, '127.0.0.1', () => resolve(new Client(s))); });
  }
  /** The next `n` bytes (or up to the end of the next packet when n is omitted). */
  async read(n?: number): Promise<string> {
    const ready = () => (n !== undefined ? this.buffer.length >= n : this.buffer.includes('\r\n\r\n')) || this.closed;
    while (!ready()) await new Promise<void>((r) => this.waiters.push(r));
    const end = n ?? this.buffer.indexOf('\r\n\r\n') + 4;
    const out = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    return out;
  }
}

let sim: AmiSimulator;
beforeAll(async () => {
  sim = createAmiSimulator({ user: 'chut', password: 'chut', loginFailDelayMs: 1000 });
  await sim.start();
});
afterAll(async () => { await sim.stop(); });

const maskTimestamp = (s: string) => s.replace(/Timestamp: [0-9.]+/, 'Timestamp: T');

/** Replays one recorded connection: each C->S packet is sent, and the replies must equal the recorded S->C bytes. */
async function replay(chunks: Chunk[], conn: string, until?: string): Promise<Client> {
  const own = chunks.filter((c) => c.conn === conn);
  const client = await Client.open(sim.server.port);
  for (const c of own) {
    if (until && c.bytes.includes(`ActionID: ${until}\r\n`) && c.dir === 'C->S') break;
    if (c.dir === 'C->S') client.socket.write(c.bytes);
    else if (c.dir === 'S->C') {
      if (/^Event: (SuccessfulAuth|RequestNotAllowed|InvalidPassword)/.test(c.bytes)) continue; // other sessions' security events
      const got = await client.read(c.bytes.length === 30 && c.bytes.startsWith('Asterisk') ? 30 : undefined);
      expect(maskTimestamp(got)).toBe(maskTimestamp(c.bytes));
    }
  }
  return client;
}

describe('the AMI simulator speaks as recorded', () => {
  const errors = transcript('ami-actions-errors.txt');

  it('banner, then Permission denied for actions before Login, then a refused login closes the socket', async () => {
    const client = await replay(errors, 'pre', 'pre-3');
    const started = Date.now();
    client.socket.write('Action: Login\r\nUsername: nosuchuser\r\nSecret: x\r\nActionID: pre-3\r\n\r\n');
    expect(await client.read()).toBe('Response: Error\r\nActionID: pre-3\r\nMessage: Authentication failed\r\n\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await client.read(1);
    expect(client.closed).toBe(true);
  });

  it('login with Events: off, unknown action, no ActionID, Redirect/Setvar/Getvar on gone channels, Setvar without Channel', async () => {
    const client = await replay(errors, 'e', 'e-10');
    expect(sim.server.globals.get('CHUT_TEST_GLOBAL')).toBe('1');
    client.socket.destroy();
  });

  it('login with events on: FullyBooted follows; Events on/off; Ping; Logoff says goodbye', async () => {
    const banner = transcript('ami-login-and-banner.txt');
    const one = await Client.open(sim.server.port);
    expect(await one.read(30)).toBe('Asterisk Call Manager/11.0.0\r\n');
    one.socket.write('Action: Login\r\nUsername: chut\r\nSecret: chut\r\nActionID: ami#1-1\r\n\r\n');
    expect(await one.read()).toBe('Response: Success\r\nActionID: ami#1-1\r\nMessage: Authentication accepted\r\n\r\n');
    expect(await one.read()).toMatch(/^Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: \d+\r\nLastReload: \d+\r\nStatus: Fully Booted\r\n\r\n$/);
    one.socket.destroy();
    const two = await replay(banner, 'ami#2');
    await two.read(1);
    expect(two.closed).toBe(true);
  });
});
