/**
 * Closing the HTTP server within a bound. Node's `server.close()` stops listening, ends the keep-alive connections
 * waiting for their next request at that moment, and waits for every other connection to end. Two kinds never do by
 * themselves: a connection that has not sent a whole request (its headers timeout runs from when it opened, so Node
 * counts it busy, and close() stops that timeout: a browser's spare connection, a client that connects ahead of need,
 * half a request), and one whose answer was still in progress (answered `Connection: keep-alive` all the same, it then
 * waits for the client's next request). Either held `chut run`'s stop until the client hung up: 71 s for Node's own
 * fetch after a 72 s keep-alive answer, never for a client that sends nothing; past systemd's TimeoutStopSec, whose
 * SIGKILL then left the calls in progress without their fail-open ring and lost the call records still to write.
 *
 * So, on close: a connection with no answer in progress is ended at once; one with an answer in progress ends after it
 * (`Connection: close`); whatever is still open `graceMs` later is ended then.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionWatch {
  /** Closes the server (see above); resolves once every connection has ended. */
  close(graceMs: number): Promise<void>;
  /** The answer to the connection's latest request, while that answer is in progress. */
  latestAnswer(socket: Socket): ServerResponse | undefined;
}

/** `closeServer`: the server's own close (Fastify's, which runs its onClose hooks and then Node's). */
export function watchConnections(server: Server, closeServer: () => Promise<void>): ConnectionWatch {
  /** Each open connection, with its answers in progress. */
  const open = new Map<Socket, Set<ServerResponse>>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    open.set(socket, new Set());
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const answers = open.get(req.socket);
    if (!answers) return;
    answers.add(res);
    if (closing) lastAnswer(res);
    // 'close' comes once the answer is sent, or its connection is gone
    res.once('close', () => {
      answers.delete(res);
      if (closing && answers.size === 0) req.socket.end();
    });
  });

  /** The connection ends once this answer is sent, rather than wait for a next request. */
  function lastAnswer(res: ServerResponse): void {
    if (!res.headersSent) res.setHeader('connection', 'close');
  }

  return {
    latestAnswer(socket) {
      let latest: ServerResponse | undefined;
      for (const res of open.get(socket) ?? []) latest = res; // a Set keeps the order the requests came in
      return latest;
    },
    async close(graceMs) {
      closing = true;
      const closed = closeServer();
      for (const [socket, answers] of open) {
        if (answers.size === 0) socket.destroy();
        else answers.forEach(lastAnswer);
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), graceMs); });
      if ((await Promise.race([closed, late])) === 'late') server.closeAllConnections();
      clearTimeout(timer);
      await closed;
    },
  };
}
