/**
 * `npm run bench [-- SECTION…] [--json] [--redis URL]`: benchmarks against the real Redis (not tests: this
 * machine is shared and noisy, so figures are reported, never asserted). Sections: core (default), memory,
 * phone, ari, esl, esl-parse, ami, import-stall, import-memory, placement; `all` runs every section.
 */
import { parseArgs } from 'node:util';
import { stopQuietlyWhenReaderLeaves } from '../src/cli/closed-pipe.js';
import { describeError } from '../src/logger.js';

type Section = (opts: BenchOptions) => Promise<Record<string, unknown>>;
export interface BenchOptions {
  redisUrl: string;
  json: boolean;
  /** Print a human line (suppressed with --json). */
  say: (line: string) => void;
  quick: boolean;
}

const SECTIONS: Record<string, () => Promise<Section>> = {
  core: async () => (await import('./core.js')).run,
  memory: async () => (await import('./memory.js')).run,
  phone: async () => (await import('./phone.js')).run,
  ari: async () => (await import('./ari.js')).run,
  esl: async () => (await import('./esl.js')).run,
  'esl-parse': async () => (await import('./esl-parse.js')).run,
  ami: async () => (await import('./ami.js')).run,
  'import-stall': async () => (await import('./import-stall.js')).run,
  'import-memory': async () => (await import('./import-memory.js')).run,
  placement: async () => (await import('./placement.js')).run,
};

async function main(): Promise<void> {
  stopQuietlyWhenReaderLeaves(process.stdout);
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      redis: { type: 'string', default: process.env.CHUT_REDIS_URL ?? 'redis://127.0.0.1:6379' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: npm run bench -- [core|memory|phone|ari|esl|esl-parse|ami|import-stall|import-memory|placement|all]… [--json] [--redis URL] [--quick]\n` +
      `  core    screening latency p50/p99 and throughput: 1/50/500 requests back to back, 50 calls in progress\n` +
      `          (new and known callers; new callers at a fifth of the turnover), a call after silence, open loop;\n` +
      `          most beside a bare-PING floor, with Node CPU per call\n` +
      `  memory  bytes per listed number at 1M imported blocklist entries (INFO memory)\n` +
      `  phone   caller-ID normalisation of never-seen numbers, warm and after idle, beside libphonenumber-js\n` +
      `  ari|esl|ami  adapter latency from the PBX event to the routing command, against the fakes\n` +
      `  esl-parse  the ESL frame parser on the recorded FreeSWITCH streams: µs per frame (no Redis)\n` +
      `  import-stall  the event loop's longest delay, and the decisions of calls screened meanwhile, during a\n` +
      `          600,000-line POST /api/import\n` +
      `  placement  50 calls in progress as the kernel places chut and Redis, then each bound to a CPU of its own\n` +
      `          (taskset; changes the local Redis server's affinity for the run, then puts it back)\n` +
      `  import-memory  peak RSS of chut import of 1,500,000 lines (and --dry-run), of the server during an\n` +
      `          850,000-line POST /api/import; bytes the parse keeps a line (each in a fresh process)\n` +
      `Default: core and memory. --quick uses smaller sizes (a smoke run).\n`);
    return;
  }
  const wanted = positionals.length === 0 ? ['core', 'memory'] : positionals.includes('all') ? Object.keys(SECTIONS) : positionals;
  const unknown = wanted.filter((s) => !(s in SECTIONS));
  if (unknown.length) {
    process.stderr.write(`bench: unknown section(s): ${unknown.join(', ')} (known: ${Object.keys(SECTIONS).join(', ')})\n`);
    process.exitCode = 2;
    return;
  }
  const say = values.json ? () => undefined : (line: string) => process.stdout.write(`${line}\n`);
  const results: Record<string, unknown> = {};
  for (const name of wanted) {
    const load = SECTIONS[name];
    if (!load) continue;
    say(`== ${name}`);
    results[name] = await (await load())({ redisUrl: values.redis as string, json: values.json as boolean, say, quick: values.quick as boolean });
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${describeError(err)}\n`);
  process.exitCode = 1;
});
