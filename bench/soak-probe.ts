/**
 * Loaded into the chut a soak runs (`node --expose-gc --import …/soak-probe.js`, bench/soak.ts): every
 * SOAK_SAMPLE_MS appends one JSON line to SOAK_SAMPLES with RSS, the heap before and after a full GC (the one to
 * compare: what survives), active resources by type, open file descriptors and the event loop's delay. Changes
 * nothing else in chut; a full GC every 30 s costs it a few milliseconds.
 */
import { appendFileSync, readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface SoakSample {
  /** Epoch ms, and seconds since the probe loaded. */
  t: number;
  s: number;
  rss: number;
  /** After a full GC: what the process keeps. */
  heapUsed: number;
  /** Before it: what the process keeps plus garbage not collected yet (a sawtooth). */
  heapUsedRaw: number;
  external: number;
  arrayBuffers: number;
  /** process.getActiveResourcesInfo(): sockets, servers, timers… (the probe's own interval among them). */
  handles: number;
  byType: Record<string, number>;
  fds: number;
  /** Event loop delay over the period, ms (the monitor's 10 ms resolution is its floor). */
  eld: { p50: number; p99: number; max: number };
}

const out = process.env.SOAK_SAMPLES;
const every = Number(process.env.SOAK_SAMPLE_MS ?? 30_000);
const gc = (globalThis as { gc?: () => void }).gc;

function countBy(list: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const x of list) counts[x] = (counts[x] ?? 0) + 1;
  return counts;
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1; // not Linux
  }
}

if (out) {
  const started = Date.now();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const sample = (): void => {
    const raw = process.memoryUsage().heapUsed;
    gc?.();
    const m = process.memoryUsage();
    const resources = process.getActiveResourcesInfo();
    const line: SoakSample = {
      t: Date.now(), s: Math.round((Date.now() - started) / 1000), rss: m.rss, heapUsed: m.heapUsed, heapUsedRaw: raw,
      external: m.external, arrayBuffers: m.arrayBuffers, handles: resources.length, byType: countBy(resources), fds: openFds(),
      eld: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
    };
    delay.reset();
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  };
  setTimeout(sample, 1000).unref(); // a baseline once chut has loaded
  setInterval(sample, every).unref();
  // chut stops in well under a second when idle: if it is still here 5 s after SIGTERM, say what keeps it (a listener
  // here changes nothing: chut's own already replaced Node's default, which exits at once)
  process.on('SIGTERM', () => setTimeout(() => appendFileSync(out, `${JSON.stringify({ stillRunning: Date.now(), resources: stillHeld() })}\n`), 5000).unref());
}

/** Node's handles in detail: sockets with their ends, servers with their address, timers with their delay. */
function stillHeld(): unknown[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.map((h) => {
    const any = h as {
      constructor?: { name?: string }; localPort?: number; remotePort?: number; address?: () => unknown; _idleTimeout?: number;
      _httpMessage?: { finished?: boolean; headersSent?: boolean; req?: { method?: string; url?: string; complete?: boolean } };
      parser?: { incoming?: { method?: string; url?: string; complete?: boolean } } | null;
    };
    const res = any._httpMessage;
    const incoming = any.parser?.incoming;
    return {
      type: any.constructor?.name, local: any.localPort, remote: any.remotePort, address: typeof any.address === 'function' ? any.address() : undefined,
      idleTimeout: any._idleTimeout,
      // an HTTP connection: the answer on it (a server's) and the request its parser is reading
      answer: res ? { request: `${res.req?.method} ${res.req?.url}`, finished: res.finished, headersSent: res.headersSent } : undefined,
      reading: incoming ? { request: `${incoming.method} ${incoming.url}`, complete: incoming.complete } : undefined,
    };
  });
}
