/**
 * A TCP port nothing listens on right now, for a server a test starts on its own (often seconds later: a chut that
 * first waits for Redis). Picked below the kernel's ephemeral range: a port the OS hands out for `listen(0)` comes from
 * that range, where every outgoing connection of the test run (thousands, across workers) also takes its local port,
 * and one of them took a port in the seconds between the pick and the test's listen (CI: "port already in use").
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Below this, ports in use are fixed ones (databases, brokers: 1883, 4222, 5432, 5672, 6379…). */
const LOWEST = 20_000;

function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > LOWEST + 1000 ? start : 32_768;
  } catch {
    return 32_768; // not Linux: the usual start
  }
}

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryListen(LOWEST + Math.floor(Math.random() * (below - LOWEST)));
    if (port !== null) return port;
  }
  const any = await tryListen(0); // a crowded range: let the OS pick, as before
  if (any === null) throw new Error('no free TCP port on 127.0.0.1');
  return any;
}
