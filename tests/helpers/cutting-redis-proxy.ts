/**
 * A TCP proxy in front of Redis that fails at a chosen point of a write: once `stopAfterExecs(n)` MULTI blocks (their
 * `EXEC`) have gone through it, nothing more any client sends reaches Redis (a stalled link: the data is swallowed, the
 * connections stay open). So the blocks before are applied and confirmed, the next one was sent but neither applied
 * nor confirmed, and whatever follows (an undo) is not applied either. `stopAtCommand(name)` stalls the same way from
 * the first command of that name on (it does not reach Redis); `stopAtCommand(name, arg)`, from the first whose first
 * argument is `arg` (one script of several run by EVALSHA). A connection opened while it stalls is accepted and
 * answered nothing, as by a stopped (SIGSTOP) Redis. `goDown()` then closes every connection (what went through still
 * reaches Redis) and stops listening (ECONNREFUSED, as a stopped Redis's port), until `heal()` listens on the same
 * port again; `acceptAndClose()` closes them too, and closes each new one as soon as it is accepted.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface CuttingRedisProxy {
  /** `redis://127.0.0.1:<port>`: point chut here. */
  readonly url: string;
  /** Stops forwarding once `n` more `EXEC` have passed; resolves then. */
  stopAfterExecs(n: number): Promise<void>;
  /** Stops forwarding at the next command named `name` (lower case), whose first argument is `arg` if given, which
   * does not reach Redis; resolves then. */
  stopAtCommand(name: string, arg?: string): Promise<void>;
  /** Closes every connection, then closes each new one as soon as it is accepted. */
  acceptAndClose(): Promise<void>;
  /** Closes every connection and refuses new ones. */
  goDown(): Promise<void>;
  /** Forwards again, listening again if it went down. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

/** `EXEC` as a client sends it (RESP array of one bulk string), lower-cased. */
const EXEC = '*1\r\n$4\r\nexec\r\n';

export async function startCuttingRedisProxy(redisUrl: string): Promise<CuttingRedisProxy> {
  const target = new URL(redisUrl);
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let execsLeft: number | null = null;
  /** `*<argc>\r\n$<length>\r\n<name>\r\n`: a command of that name, as a client sends it (lower-cased), maybe with its
   * first argument. */
  let stopAt: RegExp | null = null;
  let stopped: (() => void) | null = null;
  let swallowing = false;
  let closingAll = false;
  const server = createServer((client) => {
    if (closingAll) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 6379), target.hostname || '127.0.0.1');
    clients.add(client);
    upstreams.add(upstream);
    // the end of the previous chunk: an EXEC split between two chunks is still seen
    let tail = '';
    client.on('data', (d) => {
      if (swallowing) return;
      if (stopAt?.test(d.toString('latin1').toLowerCase())) {
        stopAt = null;
        swallowing = true;
        stopped?.();
        return;
      }
      upstream.write(d);
      if (execsLeft === null) return;
      const text = tail + d.toString('latin1').toLowerCase();
      tail = text.slice(-(EXEC.length - 1));
      for (let at = text.indexOf(EXEC); at !== -1 && execsLeft !== null; at = text.indexOf(EXEC, at + 1)) {
        if (--execsLeft > 0) continue;
        execsLeft = null;
        swallowing = true;
        stopped?.();
      }
    });
    upstream.on('data', (d) => { if (!client.destroyed) client.write(d); });
    // a client gone: what it sent still reaches Redis (end, not destroy); Redis gone: so is the client
    const clientGone = () => { clients.delete(client); upstream.end(); };
    const upstreamGone = () => { upstreams.delete(upstream); upstream.destroy(); client.destroy(); };
    client.on('close', clientGone).on('error', clientGone);
    upstream.on('close', upstreamGone).on('error', upstreamGone);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const stopListening = () => new Promise<void>((resolve) => {
    for (const s of clients) s.destroy();
    for (const s of upstreams) s.end(); // after what was written to it: the blocks that went through are applied
    if (server.listening) server.close(() => resolve());
    else resolve();
  });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    stopAfterExecs(n) {
      execsLeft = n;
      return new Promise<void>((resolve) => { stopped = resolve; });
    },
    stopAtCommand(name, arg) {
      const first = arg === undefined ? '' : `\\$${arg.length}\\r\\n${arg.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r\\n`;
      stopAt = new RegExp(`\\*\\d+\\r\\n\\$${name.length}\\r\\n${name}\\r\\n${first}`);
      return new Promise<void>((resolve) => { stopped = resolve; });
    },
    goDown: stopListening,
    async acceptAndClose() {
      closingAll = true;
      for (const s of clients) s.destroy();
      for (const s of upstreams) s.end();
    },
    async heal() {
      execsLeft = null;
      stopAt = null;
      swallowing = false;
      closingAll = false;
      if (!server.listening) await listen(port);
    },
    close: stopListening,
  };
}
