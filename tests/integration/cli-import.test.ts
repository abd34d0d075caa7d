/** `chut import` as a user meets it: what it takes, what it reports, where its messages go. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runChut } from '../helpers/cli.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

// Each test here runs the built CLI as a child process: Node start-up alone is a second or more per run on a loaded
// 2-vCPU CI box (cli-report-since's one run took 2.9 s there), and a test runs up to ten. The 30 s default was within
// reach; a real hang still fails, two minutes in.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let env: Record<string, string>;
let url: string;
const prefix = uniquePrefix('cli-import');
const dir = mkdtempSync(join(tmpdir(), 'chut-cli-import-'));

beforeAll(async () => {
  url = await testRedisUrl();
  env = { CHUT_REDIS_URL: url, CHUT_REDIS_PREFIX: prefix };
});
afterAll(async () => {
  await removeKeys(url, prefix);
  rmSync(dir, { recursive: true, force: true });
});

const CHUT_HEADER = 'list,kind,entry,reason,source,added_at,expires_at';

describe('broad prefixes (3 digits or fewer)', () => {
  it('need --force, except in a restore (--format chut by name), as README and --help say', async () => {
    const backup = join(dir, 'backup-broad.csv');
    writeFileSync(backup, `${CHUT_HEADER}\nblock,prefix,+44,forced once,cli,1767225600000,\nblock,number,+33162990001,x,cli,1767225600000,\n`);
    const sniffed = await runChut(['import', backup, '--dry-run'], env);
    expect(sniffed.code, sniffed.stderr).toBe(0);
    expect(sniffed.stdout).toMatch(/would import 1 entry, skipped 1 \(1 × prefix of 3 digits or fewer/);
    const restore = await runChut(['import', backup, '--format', 'chut', '--dry-run'], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/would import 2 entries, skipped 0/);
    const help = (await runChut(['import', '--help'], env)).stdout;
    expect(help).toMatch(/--force .*skipped otherwise,\s+except in a restore \(--format chut, given by name\)/);
    expect(readFileSync(join(process.cwd(), 'README.md'), 'utf8'))
      .toMatch(/need `--force`, in `block`\/`allow` and in `import` alike,\s+except in a restore \(`chut import --format chut`/);
  });
});

describe('a number on both lists rings (allow wins): an import keeps it so, and says so', () => {
  it('--list block of allowlisted numbers: imported, kept on the allowlist, counted in text and --json', async () => {
    expect((await runChut(['allow', '0612770001', '--reason', 'maman'], env)).code).toBe(0);
    expect((await runChut(['allow', '0612770002'], env)).code).toBe(0);
    const file = join(dir, 'ftc-like.csv');
    writeFileSync(file, 'number,reason\n0612770001,spoofed\n0612770002,spoofed\n0612770003,robot\n');
    const text = await runChut(['import', file, '--list', 'block'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe('imported 3 entries, skipped 0\n' +
      '2 also on the allowlist: kept there, they ring (allow wins; `chut block NUMBER` moves one)\n');
    const look = JSON.parse((await runChut(['lookup', '0612770001', '--json'], env)).stdout) as { decision: { rule: string } };
    expect(look.decision.rule).toBe('allowlist');
    const json = await runChut(['import', file, '--list', 'block', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      dryRun: false, imported: 3, stats: { taken: 3, skipped: 0, skippedWhy: {}, firstSkipped: [] },
      overlap: { keptOnAllowlist: 2, alsoOnBlocklist: 0 },
      notes: ['2 also on the allowlist: kept there, they ring (allow wins; `chut block NUMBER` moves one)'],
    });
    // the mirror: allowlisting numbers that are blocklisted (0612770003 now is)
    const allow = join(dir, 'friends.csv');
    writeFileSync(allow, 'number,reason\n0612770003,friend\n0612770004,friend\n');
    const mirror = await runChut(['import', allow, '--list', 'allow'], env);
    expect(mirror.code, mirror.stderr).toBe(0);
    expect(mirror.stdout).toBe('imported 2 entries, skipped 0\n1 also on the blocklist: allow wins, it rings (`chut allow NUMBER` takes one off the blocklist)\n');
    // no overlap, no note; one entry said in the singular
    const plain = join(dir, 'plain.csv');
    writeFileSync(plain, 'number,reason\n0612770009,robot\n');
    expect((await runChut(['import', plain], env)).stdout).toBe('imported 1 entry, skipped 0\n');
  });
});

describe('a file of two bad lines and no header', () => {
  it('counts both: the first is not taken for a header when the next line has no number either', async () => {
    const bad = join(dir, 'two-bad.csv');
    writeFileSync(bad, 'abc,x\ndef,y\n');
    const r = await runChut(['import', bad], env);
    expect([r.code, r.stdout, r.stderr]).toEqual([65, '', `chut import: ${bad}: no line could be imported, skipped 2 (2 × invalid number); check --format (nothing imported)\n`]);
  });
});

describe('a file whose every line is skipped for a reason that is not its format', () => {
  it('says why, without sending the user to check --format: a backup whose entries have all expired, a whole country', async () => {
    const old = join(dir, 'old-backup.csv');
    writeFileSync(old, `${CHUT_HEADER}\nblock,number,+33162990011,x,cli,2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z\n` +
      'allow,prefix,+33612990,y,cli,2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z\n');
    const expired = await runChut(['import', old, '--format', 'chut'], env);
    expect([expired.code, expired.stdout, expired.stderr])
      .toEqual([65, '', `chut import: ${old}: no line could be imported, skipped 2 (2 × already expired); nothing imported\n`]);
    const country = join(dir, 'country.csv');
    writeFileSync(country, '+33*,everyone\n');
    const broad = await runChut(['import', country], env);
    expect(broad.code).toBe(65);
    expect(broad.stderr).toMatch(/skipped 1 \(1 × prefix of 3 digits or fewer \(needs --force/);
    expect(broad.stderr).not.toMatch(/check --format/);
  });
});

describe('a file that fails to parse', () => {
  it('is refused whole: its good lines before the error are not imported either', async () => {
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'number,reason\n0612345601,ok\n0612345602,ok\n0698765432,"never closed\n');
    const r = await runChut(['import', broken], env);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/unterminated/);
    const exported = await runChut(['export'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toMatch(/\+3361234560[12]/);
  });
});

describe('a pipe (standard input, a process substitution)', () => {
  it('is refused, exit 66: a stream whose writer dies midway would end early and look whole, and be applied in part', async () => {
    const r = await runChut(['import', '/dev/stdin'], env, { input: 'number,reason\n0612345611,piped\n0612345612,piped\n' });
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('cannot read /dev/stdin: not a file (a device, pipe or socket)');
    const exported = await runChut(['export'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toMatch(/\+3361234561[12]/);
  });
});

describe('Ctrl-C during an import', () => {
  it('while the file is being parsed: exits 130 saying so on stderr, nothing written (it used to end silently)', async () => {
    const { spawn } = await import('node:child_process');
    const { Redis } = await import('ioredis');
    const { CHUT_BIN } = await import('../helpers/cli.js');
    const file = join(dir, 'long-reasons.csv');
    // ~40 MB, far more than chut reads to start (~6 MB of modules): once the child has read that many bytes it has
    // the file, and 400,000 lines take seconds to parse
    const reason = 'x'.repeat(80);
    writeFileSync(file, `number,reason\n${Array.from({ length: 400_000 }, (_, i) => `+4479${String(i).padStart(8, '0')},${reason}`).join('\n')}\n`);
    const size = readFileSync(file).length;
    const admin = new Redis(url);
    try {
      const before = (await admin.keys(`${prefix}*`)).sort();
      const child = spawn(process.execPath, [CHUT_BIN, 'import', file], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CHUT_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const bytesRead = () => Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${child.pid}/io`, 'utf8'))?.[1] ?? 0);
      await expect.poll(bytesRead, { timeout: 60_000, interval: 10 }).toBeGreaterThan(size);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toBe(`chut import: interrupted while reading ${file}: nothing imported\n`);
      expect((await admin.keys(`${prefix}*`)).sort()).toEqual(before);
    } finally {
      admin.disconnect();
    }
  }, 120_000);

  it('undoes what was written: the file is applied whole or not at all (exit 130, one line saying so)', async () => {
    const { spawn } = await import('node:child_process');
    const { Redis } = await import('ioredis');
    const { CHUT_BIN } = await import('../helpers/cli.js');
    const file = join(dir, 'big.csv');
    writeFileSync(file, `number,reason\n${Array.from({ length: 400_000 }, (_, i) => `+4478${String(i).padStart(8, '0')},x`).join('\n')}\n`);
    const admin = new Redis(url);
    try {
      const before = (await admin.keys(`${prefix}lb:*`)).sort(); // the other tests' imports
      const child = spawn(process.execPath, [CHUT_BIN, 'import', file], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CHUT_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // the writes have begun: list buckets appear under the prefix. KEYS walks the whole keyspace: asked every 20 ms
      // on a Redis holding a couple of million keys (other runs' leftovers), it kept Redis too busy for the import to write
      await expect.poll(async () => (await admin.keys(`${prefix}lb:*`)).length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(before.length + 20);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/^chut import: SIGINT: undoing what was written/);
      expect(stderr).toContain('interrupted: nothing imported');
      // nothing of the file stays
      expect((await admin.keys(`${prefix}lb:*`)).sort()).toEqual(before);
    } finally {
      admin.disconnect();
    }
  }, 120_000);
});
