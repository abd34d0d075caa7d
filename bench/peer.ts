/**
 * The simulated PBX of an adapter benchmark runs in its own Node process, as a real Asterisk or FreeSWITCH
 * does: its own event loop, its own garbage collector and GC helper threads (a worker thread shares the
 * latter with chut), and `process.cpuUsage()` in the bench process then counts chut's CPU alone.
 * The parent gets a Worker-like handle; the child reads its start data and talks back through `peerParent()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

const DATA_ENV = 'CHUT_BENCH_PEER';

/** Parent side: a forked child speaking structured-clone messages, with the Worker calls the benches use. */
export class PeerProcess extends EventEmitter {
  private readonly child: ChildProcess;
  private exited = false;

  constructor(moduleUrl: URL, data: unknown) {
    super();
    this.child = fork(fileURLToPath(moduleUrl), [], {
      env: { ...process.env, [DATA_ENV]: JSON.stringify(data) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m) => this.emit('message', m));
    this.child.on('error', (err) => this.emit('error', err));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.emit('exit', code ?? signal);
    });
  }

  postMessage(msg: unknown): void {
    if (!this.exited && this.child.connected) this.child.send(msg as object);
  }

  /** Ends the child (SIGTERM) and resolves once it is gone. */
  async terminate(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.once('exit', () => resolve()));
    this.child.kill();
    await gone;
  }
}

/** Child side: the start data given to the PeerProcess, or null when this module was not forked as a peer. */
export function peerData<T>(): T | null {
  const raw = process.env[DATA_ENV];
  if (!raw || typeof process.send !== 'function') return null;
  return JSON.parse(raw) as T;
}

/** Child side: the channel back to the bench process; the child exits when the bench process goes away. */
export function peerParent(): { postMessage(msg: unknown): void; on(event: 'message', fn: (msg: never) => void): void } {
  process.on('disconnect', () => process.exit(0));
  return {
    postMessage: (msg) => { process.send?.(msg as object); },
    on: (_event, fn) => { process.on('message', fn as (m: unknown) => void); },
  };
}
