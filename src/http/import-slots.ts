/**
 * How many `POST /api/import` may be in progress at once (`http.maxConcurrentImports`). Each holds its file (up to
 * 20 MiB) and its parsed lines in memory, in the process that screens calls: a few at once, from a retrying script
 * or a hostile client with the token, could run it out of memory. One more is refused at once, before its body is
 * read.
 */
export class ImportSlots {
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
}
