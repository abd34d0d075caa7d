/**
 * chut stands by when another connection takes its Stasis app (ApplicationReplaced), and takes the app back once it is
 * free. The socket it let go may close late (Asterisk, or the path to it, slow to answer the close handshake: ws waits
 * 30 s): that late close used to start yet another connection, so chut took its own app over, logged a false
 * "two instances" error, rang the captchas in progress and leaked a socket each time.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createAriEvents } from '../../../src/ari/connection.js';
import { createLogger } from '../../../src/logger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ARI standby: the replaced socket closing late', () => {
  it('does not make chut replace itself once it has taken its app back (one connection, one error)', async () => {
    // A server that, like Asterisk, sends ApplicationReplaced to the previous owner of the app when a new one connects.
    const server = createServer();
    const wss = new WebSocketServer({ server });
    let owner: WebSocket | null = null;
    const conns: WebSocket[] = [];
    wss.on('connection', (ws) => {
      conns.push(ws);
      const previous = owner;
      owner = ws;
      ws.on('close', () => { if (owner === ws) owner = null; });
      if (previous?.readyState === WebSocket.OPEN) previous.send(JSON.stringify({ type: 'ApplicationReplaced', application: 'chut' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ari`;
    const errors: string[] = [];
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) {
      const line = JSON.parse(String(chunk)) as { level: number; msg: string };
      if (line.level >= 50) errors.push(line.msg);
      done();
    } }));
    const events = createAriEvents({
      baseUrl: base, authHeader: 'Basic x', app: 'chut', logger, appCheckMs: 300, retryStrategy: () => 100, pingIntervalMs: 1000,
      appRegistered: async () => owner !== null && owner.readyState === WebSocket.OPEN,
    });
    events.on('frame', (frame: string) => { if (frame.includes('ApplicationReplaced')) events.replaced(); });
    const mine = () => conns.filter((c, i) => i !== 1 && c.readyState === WebSocket.OPEN).length; // conns[1]: the intruder
    try {
      events.start();
      await sleep(300);
      // The replaced socket's close handshake gets no answer (the server side stops reading it).
      (conns[0] as unknown as { _socket: { pause(): void } })._socket.pause();
      const intruder = new WebSocket(`${base.replace('http', 'ws')}/events?app=chut`);
      await new Promise((resolve) => intruder.once('open', resolve));
      await sleep(500);
      intruder.close(); // the other instance goes: chut takes the app back within appCheckMs
      await sleep(2000);
      expect(events.status().state).toBe('ready');
      expect(mine()).toBe(1);
      expect(errors).toHaveLength(1); // the takeover, once: chut never took itself for another instance
    } finally {
      await events.stop();
      for (const c of conns) c.terminate();
      wss.close();
      server.close();
    }
  }, 20_000);
});
