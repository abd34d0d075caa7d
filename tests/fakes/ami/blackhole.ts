/**
 * An AMI host that never completes a TCP handshake (a firewall dropping SYNs), on loopback: a listener whose
 * event loop is blocked (a worker thread in Atomics.wait) so nothing is ever accepted, its small accept queue
 * filled by a few connections of ours. Linux then drops further SYNs (tcp_abort_on_overflow=0, the default): a
 * connect() stays pending for ~2 min of SYN retries. `null` when this system does not behave so.
 */
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

export interface Blackhole {
  port: number;
  close(): Promise<void>;
}

const LISTENER = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const flag = new Int32Array(workerData);
const server = net.createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(flag, 0, 0); // blocks this thread's loop: nothing is ever accepted
  server.close();
});
`;

/** Resolves true if `socket` connects within `ms`. */
function connectsWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => { clearTimeout(t); resolve(true); });
    socket.once('error', () => { clearTimeout(t); resolve(false); });
  });
}

export async function startBlackhole(): Promise<Blackhole | null> {
  const shared = new SharedArrayBuffer(4);
  const worker = new Worker(LISTENER, { eval: true, workerData: shared });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (p: number) => resolve(p));
    worker.once('error', reject);
  });
  const fill: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const s of fill) s.destroy();
    const flag = new Int32Array(shared);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  };
  // fill the accept queue until a connection no longer completes: from then on SYNs are dropped
  for (let i = 0; i < 8; i += 1) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fill.push(s);
    if (!(await connectsWithin(s, 300))) return { port, close };
  }
  await close();
  return null;
}
