/**
 * A loopback TCP pass-through put in front of the fake Asterisk to count the connections a client opens to it:
 * how many are open now, the most that were open at once, and how many were opened in all. Bytes pass through
 * unchanged both ways, so the client still hears exactly what the fake (and the recorded Asterisk) says.
 * Asterisk's http.conf `sessionlimit` counts exactly these connections.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectionMeter {
  /** `http://127.0.0.1:<port>`: give this to the client instead of the fake's own URL. */
  readonly url: string;
  /** Connections open right now. */
  readonly open: number;
  /** The most connections that were open at the same time. */
  readonly peak: number;
  /** Connections opened since the start. */
  readonly total: number;
  stop(): Promise<void>;
}

/** Starts a meter forwarding every connection to `targetUrl` (an `http://127.0.0.1:<port>` fake). */
export async function meterConnections(targetUrl: string): Promise<ConnectionMeter> {
  const target = new URL(targetUrl);
  const clients = new Set<Socket>();
  let peak = 0;
  let total = 0;

  const server: Server = createServer((client) => {
    clients.add(client);
    total += 1;
    peak = Math.max(peak, clients.size);
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    upstream.on('close', () => client.destroy());
    client.on('close', () => {
      clients.delete(client);
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get open() { return clients.size; },
    get peak() { return peak; },
    get total() { return total; },
    async stop() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
