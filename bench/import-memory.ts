/**
 * `npm run bench -- import-memory`: what a large list import costs in memory, each figure from a fresh process (peak
 * RSS is getrusage's, as `/usr/bin/time -v` reports it):
 * - `chut import` of 1,500,000 lines (`+336…,spam call`, 34 MB) against the real Redis, and the same `--dry-run` (the
 *   parse alone);
 * - what the parse keeps a line once garbage is collected: its columns (import.ts, ImportedRecords), and the same
 *   records as plain ListRecord objects (what parseImport returns, and what every import held before);
 * - the server's peak during an 850,000-line (19.6 MB, under the 20 MiB limit) `POST /api/import`.
 * `--quick`: a fifth of the lines. Keys go under a unique prefix and are deleted afterwards; the files too.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startChut } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { createRedisClient, deleteKeysWithPrefix } from '../src/redis-client.js';
import { decodeListFile } from '../src/reputation/index.js';
import { parseImport, parseImportColumns, type ImportOptions } from '../src/reputation/import.js';
import { parsePolicy } from '../src/rules/index.js';
import { benchLogger } from './logger.js';
import type { BenchOptions } from './main.js';

const HERE = fileURLToPath(import.meta.url);
const CHUT_BIN = join(dirname(HERE), '..', 'src', 'cli', 'main.js');
const TOKEN = `bench-${randomBytes(12).toString('hex')}`;
/** Loaded before the command it measures: prints the process's peak RSS (KiB) on its last line of stderr. */
const PEAK_RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs'; process.on('exit', () => writeSync(2, `\\npeak-rss-kib ${process.resourceUsage().maxRSS}\\n`));",
)}`;
const MB = 1024 * 1024;

/** The brief's file: `+336XXXXXXXX,spam call`, distinct numbers. */
function listFile(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`+336${String(10_000_000 + i * 7).slice(-8)},spam call`);
  return out.join('\n');
}

interface Run { code: number | null; stdout: string; stderr: string; seconds: number }

function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

function peakMb(run: Run): number {
  const m = /peak-rss-kib (\d+)\s*$/.exec(run.stderr);
  if (!m) throw new Error(`no peak RSS in the child's output: ${run.stderr.slice(-500)}`);
  return Math.round(Number(m[1]) / 1024);
}

async function cliImport(file: string, redisUrl: string, prefix: string, dryRun: boolean): Promise<{ peakMb: number; seconds: number }> {
  const run = await runNode(['--import', PEAK_RSS_HOOK, CHUT_BIN, 'import', file, ...(dryRun ? ['--dry-run'] : [])],
    { CHUT_REDIS_URL: redisUrl, CHUT_REDIS_PREFIX: prefix });
  if (run.code !== 0) throw new Error(`chut import exited ${String(run.code)}: ${run.stderr.slice(-500)}`);
  return { peakMb: peakMb(run), seconds: Math.round(run.seconds * 10) / 10 };
}

/** The server in a child process of its own (its peak alone), the body sent from here. */
async function apiImport(file: string, redisUrl: string, prefix: string): Promise<{ peakMb: number; seconds: number; status: number }> {
  const child = spawn(process.execPath, ['--import', PEAK_RSS_HOOK, HERE, 'serve', redisUrl, prefix, TOKEN], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('close', () => reject(new Error(`the server ended: ${stderr.slice(-500)}`)));
    });
    const body = readFileSync(file);
    const t0 = performance.now();
    const res = await fetch(`${url}/api/import?format=csv`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${TOKEN}` }, body });
    await res.arrayBuffer();
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    child.stdin.end('stop\n');
    await closed;
    return { peakMb: peakMb({ code: 0, stdout: '', stderr, seconds }), seconds, status: res.status };
  } finally {
    child.kill();
  }
}

/** In a child with --expose-gc: the heap and array buffers a parse keeps a line, text dropped. */
async function parseRetained(file: string): Promise<{ columns: number; plain: number }> {
  const run = await runNode(['--expose-gc', HERE, 'parse', file]);
  if (run.code !== 0) throw new Error(`the parse child exited ${String(run.code)}: ${run.stderr.slice(-500)}`);
  return JSON.parse(run.stdout) as { columns: number; plain: number };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const lines = opts.quick ? 300_000 : 1_500_000;
  const apiLines = opts.quick ? 170_000 : 850_000;
  const dir = mkdtempSync(join(tmpdir(), 'chut-bench-import-'));
  const prefix = `chutbench:imp:${randomBytes(4).toString('hex')}:`;
  const redis = createRedisClient(parseConfig({ redis: { url: opts.redisUrl, prefix } }).redis, { failFast: false });
  try {
    const file = join(dir, 'list.csv');
    writeFileSync(file, listFile(lines));
    const apiFile = join(dir, 'api.csv');
    writeFileSync(apiFile, listFile(apiLines));
    const mib = (f: string) => (readFileSync(f).length / MB).toFixed(1);
    const dry = await cliImport(file, opts.redisUrl, `${prefix}dry:`, true);
    opts.say(`chut import --dry-run, ${lines.toLocaleString('en')} lines (${mib(file)} MiB): peak RSS ${dry.peakMb} MB (${dry.seconds} s)`);
    const cli = await cliImport(file, opts.redisUrl, `${prefix}cli:`, false);
    opts.say(`chut import, the same file into Redis: peak RSS ${cli.peakMb} MB (${cli.seconds} s)`);
    const kept = await parseRetained(file);
    opts.say(`kept by the parse, a line: ${kept.columns} bytes in columns; ${kept.plain} bytes as plain ListRecord objects`);
    const api = await apiImport(apiFile, opts.redisUrl, `${prefix}api:`);
    if (api.status !== 200) throw new Error(`POST /api/import answered ${api.status}`);
    opts.say(`POST /api/import, ${apiLines.toLocaleString('en')} lines (${mib(apiFile)} MiB): server peak RSS ${api.peakMb} MB (${api.seconds} s)`);
    return {
      lines, cli_peak_mb: cli.peakMb, cli_seconds: cli.seconds, dry_run_peak_mb: dry.peakMb, dry_run_seconds: dry.seconds,
      parse_bytes_per_line: kept.columns, plain_records_bytes_per_line: kept.plain,
      api_lines: apiLines, api_peak_mb: api.peakMb, api_seconds: api.seconds,
    };
  } finally {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

const OPTS: ImportOptions = { format: 'auto', list: 'block', defaultCountry: 'FR', now: Date.now() };

/** Heap and array buffers in use after full collections (a Buffer's memory is freed after its object, off-thread). */
async function used(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function parseChild(file: string): Promise<void> {
  const base = await used();
  // the text is an argument only: unreachable once the parse returns
  const columns = parseImportColumns(decodeListFile(readFileSync(file)), OPTS);
  const withColumns = await used();
  const plain = parseImport(decodeListFile(readFileSync(file)), OPTS);
  const withPlain = await used();
  const n = columns.stats.taken;
  process.stdout.write(JSON.stringify({ columns: Math.round((withColumns - base) / n), plain: Math.round((withPlain - withColumns) / n) }));
  if (plain.records.length !== columns.records.length) throw new Error('the parses disagree');
}

async function serveChild(redisUrl: string, prefix: string, token: string): Promise<void> {
  const config = parseConfig({ store: 'redis', redis: { url: redisUrl, prefix }, http: { port: 0, token } });
  const chut = await startChut({ config, policy: parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'bench'), logger: benchLogger(), http: true });
  process.stdout.write(`${chut.httpUrl}\n`);
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  await chut.stop();
}

if (process.argv[1] === HERE) {
  const [mode, a = '', b = '', c = ''] = process.argv.slice(2);
  if (mode === 'parse') await parseChild(a);
  else if (mode === 'serve') await serveChild(a, b, c);
  else throw new Error(`unknown mode ${String(mode)}`);
}
