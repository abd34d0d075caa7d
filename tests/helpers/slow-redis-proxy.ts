/**
 * A TCP proxy in front of Redis that holds back Redis's replies: a slow Redis, for tests. Redis still runs every
 * command it receives at once; only the answer is late, as with a Redis busy on a slow command or a congested link.
 * Replies keep their order on each connection (a reply not held back waits for the ones before it).
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SlowRedisProxy {
  /** `redis://127.0.0.1:<port>`: point chut here. */
  readonly url: string;
  /** How long each reply chunk is held back (0: none). */
  delayMs: number;
  /** Hold back only the chunks holding this text (`QUEUED`: the replies inside a MULTI); null: every chunk. */
  match: string | null;
  close(): Promise<void>;
}

export async function startSlowRedisProxy(redisUrl: string): Promise<SlowRedisProxy> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname || '127.0.0.1');
    sockets.add(client).add(upstream);
    let releaseAt = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      const hold = proxy.delayMs > 0 && (proxy.match === null || d.toString('latin1').includes(proxy.match));
      releaseAt = Math.max(releaseAt, Date.now() + (hold ? proxy.delayMs : 0));
      setTimeout(() => { if (!client.destroyed) client.write(d); }, releaseAt - Date.now());
    });
    const close = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: SlowRedisProxy = {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    delayMs: 0,
    match: null,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  return proxy;
}
