/** chut's own AMI socket client (src/ami/client.ts): which packets settle an action, and disconnect() bounds. */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AmiClient, CLOSE_GRACE_MS, type AmiPacket } from '../../../src/ami/client.js';
import { startBlackhole } from '../../fakes/ami/blackhole.js';

let server: Server | null = null;
const peers: Socket[] = [];

afterEach(async () => {
  for (const s of peers.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A listener whose connections are kept (paused: nothing is read unless `read`); resolves its port. */
async function listen(onPeer: (s: Socket) => void = () => undefined, read = false): Promise<number> {
  server = createServer({ pauseOnConnect: !read, allowHalfOpen: true }, (s) => {
    peers.push(s);
    s.on('error', () => undefined);
    onPeer(s);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function connectedClient(port: number): Promise<AmiClient> {
  const client = new AmiClient();
  client.on('error', () => undefined);
  await new Promise<void>((r) => client.connect(port, '127.0.0.1', r));
  return client;
}

describe('AMI client: responses', () => {
  it.each([
    ['a forged UserEvent', 'Event: UserEvent\r\nUserEvent: CallerInfo\r\nActionID: a-1\r\nResponse: Error\r\nMessage: No such channel\r\n\r\n'],
    ['an OriginateResponse (a real event with ActionID and Response)', 'Event: OriginateResponse\r\nActionID: a-1\r\nResponse: Failure\r\nReason: 0\r\n\r\n'],
  ])('%s does not settle the pending action; the response after it does', async (_what, event) => {
    let peer: Socket | null = null;
    const port = await listen((s) => { peer = s; }, true);
    const client = await connectedClient(port);
    const events: AmiPacket[] = [];
    client.on('managerevent', (p) => events.push(p));
    const settled = new Promise<[AmiPacket | null, AmiPacket]>((r) => client.action({ action: 'Ping' }, 'a-1', (err, res) => r([err, res])));
    await new Promise((r) => setTimeout(r, 20));
    const p = peer as Socket | null;
    p?.write(event);
    p?.write('Response: Success\r\nActionID: a-1\r\nPing: Pong\r\n\r\n');
    const [err, res] = await settled;
    expect(err).toBeNull();
    expect(res).toMatchObject({ response: 'Success', ping: 'Pong' });
    expect(events).toHaveLength(1); // the event still reaches the listeners
    client.disconnect();
  });
});

describe('AMI client: disconnect()', () => {
  it(`closes a logged-in socket within ${CLOSE_GRACE_MS} ms even when the peer stopped reading`, async () => {
    const port = await listen(); // paused: never reads, never closes
    const client = await connectedClient(port);
    const closed = new Promise<number>((r) => client.once('close', () => r(Date.now())));
    // enough to fill the loopback buffers: the write (and so the FIN after it) is never flushed
    client.action({ action: 'UserEvent', data: 'x'.repeat(32 * 1024 * 1024) }, 'big-1', () => undefined);
    const t0 = Date.now();
    client.disconnect();
    const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(Number.NaN), CLOSE_GRACE_MS + 2000))]);
    expect(at - t0).toBeLessThanOrEqual(CLOSE_GRACE_MS + 500);
  });

  it('destroys at once a socket whose TCP handshake never completes (a host that drops SYNs)', async (ctx) => {
    const hole = await startBlackhole();
    if (!hole) return ctx.skip(); // this system answers or refuses: no pending handshake to test
    try {
      const client = new AmiClient();
      client.on('error', () => undefined);
      let connected = false;
      const closed = new Promise<boolean>((r) => client.once('close', () => r(true)));
      client.connect(hole.port, '127.0.0.1', () => { connected = true; });
      await new Promise((r) => setTimeout(r, 100));
      client.disconnect(); // end() would wait for the handshake: ~2 min of SYN retries keeping the process alive
      const didClose = await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
      expect(connected).toBe(false);
      expect(didClose).toBe(true);
    } finally {
      await hole.close();
    }
  });
});
