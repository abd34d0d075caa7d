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
 *
 * The proxy reads the commands and replies it passes (resp-reader.ts) and forwards whole commands only (one read in
 * part waits for its end), so a stall falls exactly between two commands however the client's writes were chunked.
 * Both stops resolve only once every command that went through, on every connection still open, has had its reply
 * handed to its client's socket (written to the kernel): by then the client has been told what became of the
 * blocks before, and closing the connections (goDown, acceptAndClose) takes none of those replies with it. Each
 * command forwarded is expected to get one reply (commands inside MULTI get `+QUEUED`), so not SUBSCRIBE and the like.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { RespReader, type RespValue } from './resp-reader.js';

export interface CuttingRedisProxy {
  /** `redis://127.0.0.1:<port>`: point chut here. */
  readonly url: string;
  /** Stops forwarding once `n` more `EXEC` have passed; resolves once every command forwarded has been answered. */
  stopAfterExecs(n: number): Promise<void>;
  /** Stops forwarding at the next command named `name` (lower case), whose first argument is `arg` if given, which
   * does not reach Redis; resolves once every command forwarded has been answered. */
  stopAtCommand(name: string, arg?: string): Promise<void>;
  /** Closes every connection, then closes each new one as soon as it is accepted. */
  acceptAndClose(): Promise<void>;
  /** Closes every connection and refuses new ones. */
  goDown(): Promise<void>;
  /** Forwards again, listening again if it went down. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

/** Commands forwarded to Redis on one connection, and replies to them handed to the client. */
interface Link {
  sent: number;
  answered: number;
}

export async function startCuttingRedisProxy(redisUrl: string): Promise<CuttingRedisProxy> {
  const target = new URL(redisUrl);
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const links = new Set<Link>();
  let execsLeft: number | null = null;
  /** A command's name and maybe its first argument. */
  let stopAt: { name: string; arg?: string } | null = null;
  /** The pending stop's promise, until it stops forwarding; then until every command forwarded is answered. */
  let stopped: (() => void) | null = null;
  let stopping: (() => void) | null = null;
  let swallowing = false;
  let closingAll = false;
  const stopsHere = (c: RespValue) => stopAt !== null && c.words[0] === stopAt.name && (stopAt.arg === undefined || c.words[1] === stopAt.arg);
  const settle = () => {
    if (!stopping || [...links].some((l) => l.answered < l.sent)) return;
    const resolve = stopping;
    stopping = null;
    resolve();
  };
  const stop = () => {
    execsLeft = null;
    stopAt = null;
    swallowing = true;
    stopping = stopped;
    stopped = null;
    settle();
  };
  const server = createServer((client) => {
    if (closingAll) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 6379), target.hostname || '127.0.0.1');
    const link: Link = { sent: 0, answered: 0 };
    clients.add(client);
    upstreams.add(upstream);
    links.add(link);
    const commands = new RespReader('commands');
    const replies = new RespReader('replies');
    // the start of a command not read whole yet: it is forwarded, or swallowed, once it is
    let held: Buffer[] = [];
    client.on('data', (d) => {
      const before = held;
      // the commands forwarded are the first ones to end in this chunk: until a stop, or all of them
      let forwardedTo = 0;
      let readTo = 0;
      for (const c of commands.feed(d)) {
        readTo = c.end;
        if (!swallowing && stopsHere(c)) stop();
        if (swallowing) continue;
        forwardedTo = c.end;
        link.sent += 1;
        if (execsLeft !== null && c.words[0] === 'exec' && --execsLeft === 0) stop();
      }
      if (forwardedTo > 0) upstream.write(Buffer.concat([...before, d.subarray(0, forwardedTo)]));
      held = readTo > 0 ? [d.subarray(readTo)] : [...before, d];
    });
    upstream.on('data', (d) => {
      const answers = replies.feed(d).filter((r) => !r.push).length;
      if (client.destroyed) return;
      client.write(d, (err) => {
        if (!err) link.answered += answers;
        settle();
      });
    });
    // a client gone: what it sent still reaches Redis (end, not destroy); Redis gone: so is the client. Either way,
    // no more replies are waited for on this connection.
    const unlink = () => {
      links.delete(link);
      settle();
    };
    const clientGone = () => { clients.delete(client); upstream.end(); unlink(); };
    const upstreamGone = () => { upstreams.delete(upstream); upstream.destroy(); client.destroy(); unlink(); };
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
      stopAt = { name: name.toLowerCase(), arg };
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
