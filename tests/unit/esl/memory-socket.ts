/** The socket an EslConnection uses, in memory, for the connection tests. */
import { EventEmitter } from 'node:events';

/** What the connection writes is kept; `end()` closes it as a peer's close would. */
export class MemorySocket extends EventEmitter {
  destroyed = false;
  ended = false;
  readonly written: string[] = [];
  setNoDelay(): void {}
  cork(): void {}
  uncork(): void {}
  write(data: string): boolean {
    this.written.push(data);
    return true;
  }
  end(): void {
    this.ended = true;
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}
