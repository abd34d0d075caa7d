/**
 * How many requests of one kind may be in progress at once: `POST /api/import` (`http.maxConcurrentImports`) and
 * `GET /api/export` (`http.maxConcurrentExports`). Each import holds its file (up to 20 MiB) and its parsed lines in
 * memory, each export the store's read of the lists, in the process that screens calls: many at once, from a retrying
 * script or a hostile client with the token, could run it out of memory, or keep Redis busy. One more is refused at
 * once (429 with `Retry-After`), before its body is read or the store is.
 */
import type { FastifyReply } from 'fastify';
import { HttpError } from './errors.js';

/** The `Retry-After` of a request refused while others are in progress, in seconds: most take less. */
const RETRY_AFTER_S = 10;

export class Slots {
  private inUse = 0;

  constructor(readonly max: number) {}

  /** A slot, and the function that gives it back (once, however often it is called); null when none is free. */
  take(): (() => void) | null {
    if (this.inUse >= this.max) return null;
    this.inUse++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.inUse--;
    };
  }

  /**
   * The 429 for a request that found no free slot (`Retry-After` set on its reply). `what`: `import`, `export`;
   * `retry`: what to do, said before "once it has ended" (`ask again`).
   */
  refusal(reply: FastifyReply, what: string, setting: string, retry: string): HttpError {
    reply.header('retry-after', String(RETRY_AFTER_S));
    const running = this.max === 1 ? `an ${what} is` : `${this.max} ${what}s are`;
    return new HttpError(429, `${what}-in-progress`, `${running} already in progress, the most chut runs at once (${setting}); ` +
      `${retry} once ${this.max === 1 ? 'it has' : 'one has'} ended`);
  }
}
