/**
 * The credentials the MQTT notifier sends, as a broker reads them from its CONNECT packet: a loopback listener that
 * decodes that one packet (MQTT 3.1.1, mqtt.js's default) and keeps the user name and password.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createNotifiers } from '../../src/notify/index.js';
import { until } from '../helpers/until.js';

interface Login { username: string | null; password: string | null }

/** Reads a 2-byte length-prefixed field at `at`: [bytes, next offset]. */
function field(buf: Buffer, at: number): [Buffer, number] {
  const len = buf.readUInt16BE(at);
  return [buf.subarray(at + 2, at + 2 + len), at + 2 + len];
}

/** The user name and password of a complete CONNECT packet (fixed header included). */
function loginOf(packet: Buffer): Login {
  let at = 1;
  while ((packet[at] as number) & 0x80) at++; // remaining length (variable byte integer)
  at++;
  [, at] = field(packet, at); // protocol name
  const flags = packet[at + 1] as number;
  at += 4; // level, flags, keep-alive
  [, at] = field(packet, at); // client id
  if (flags & 0x04) {
    [, at] = field(packet, at); // will topic
    [, at] = field(packet, at); // will payload
  }
  let username: Buffer | null = null;
  let password: Buffer | null = null;
  if (flags & 0x80) [username, at] = field(packet, at);
  if (flags & 0x40) [password] = field(packet, at);
  return { username: username?.toString('utf8') ?? null, password: password?.toString('utf8') ?? null };
}

/** Bytes a packet needs in all, once its fixed header has arrived; null before. */
function packetLength(buf: Buffer): number | null {
  let len = 0;
  for (let i = 1, shift = 0; i < Math.min(buf.length, 5); i++, shift += 7) {
    const b = buf[i] as number;
    len += (b & 0x7f) << shift;
    if (!(b & 0x80)) return i + 1 + len;
  }
  return null;
}

async function startBroker(): Promise<{ url: string; logins: Login[]; close(): Promise<void> }> {
  const logins: Login[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const need = packetLength(buf);
      if (need === null || buf.length < need || logins.length > 0) return;
      logins.push(loginOf(buf.subarray(0, need)));
      socket.destroy(); // no CONNACK: the notifier, never connected, closes at once
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `127.0.0.1:${port}`,
    logins,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** What the broker receives when chut is configured with `mqtt` (its `url` given the listener's host and port). */
async function loginFor(mqtt: { url: (hostPort: string) => string; username?: string; password?: string }): Promise<Login> {
  const broker = await startBroker();
  cleanups.push(() => broker.close());
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => { lines.push(s); } });
  const config = parseConfig({ notifications: { mqtt: { ...mqtt, url: mqtt.url(broker.url), events: ['call-rejected'] } } });
  const notifiers = createNotifiers(config, logger);
  cleanups.push(() => notifiers.close());
  await until(() => broker.logins.length === 1, 'the CONNECT packet');
  await notifiers.close();
  expect(lines.join('')).not.toContain('s3cr'); // nor is any of it logged
  return broker.logins[0] as Login;
}

describe('MQTT credentials as the broker receives them', () => {
  it('a password with a colon in the URL (written %3A, or bare) reaches the broker whole, the user name untouched', async () => {
    expect(await loginFor({ url: (h) => `mqtt://chut:s3cr%3Aet@${h}` })).toEqual({ username: 'chut', password: 's3cr:et' });
    expect(await loginFor({ url: (h) => `mqtt://chut:s3cr:et@${h}` })).toEqual({ username: 'chut', password: 's3cr:et' });
  });

  it('decodes %-escapes in the URL\'s user name and password', async () => {
    expect(await loginFor({ url: (h) => `mqtt://ch%40ut:s3cr%40et%25@${h}` })).toEqual({ username: 'ch@ut', password: 's3cr@et%' });
  });

  it('takes username and password from their own keys when the URL has none, and the URL\'s first when it has them', async () => {
    expect(await loginFor({ url: (h) => `mqtt://${h}`, username: 'chut', password: 's3cr:et' })).toEqual({ username: 'chut', password: 's3cr:et' });
    expect(await loginFor({ url: (h) => `mqtt://ha@${h}`, username: 'chut', password: 's3cr:et' })).toEqual({ username: 'ha', password: 's3cr:et' });
  });
});
