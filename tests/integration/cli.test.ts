import { execFileSync, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRedisStore } from '../../src/reputation/index.js';
import { outcomeUpdate } from '../../src/screening/reputation-effects.js';
import { CHUT_BIN, runChut } from '../helpers/cli.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

// Each test here runs the built CLI as a child process: Node start-up alone is a second or more per run on a loaded
// 2-vCPU CI box (cli-report-since's one run took 2.9 s there), and a test runs up to ten. The 30 s default was within
// reach; a real hang still fails, two minutes in.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let env: Record<string, string>;
let url: string;
const prefix = uniquePrefix('cli');
const dir = mkdtempSync(join(tmpdir(), 'chut-cli-'));

beforeAll(async () => {
  url = await testRedisUrl();
  env = { CHUT_REDIS_URL: url, CHUT_REDIS_PREFIX: prefix };
});
afterAll(async () => {
  await removeKeys(url, prefix);
  rmSync(dir, { recursive: true, force: true });
});

/** An export's header, then its lines in a stable order. */
const entries = (csv: string): string[] => {
  const [header, ...rows] = csv.trimEnd().split('\n');
  return [header ?? '', ...rows.sort()];
};

describe('chut CLI against the real Redis', () => {
  // ~16 chut processes one after the other: over vitest's default 30 s on a loaded machine
  it('prints usage and every command has --help', { timeout: 120_000 }, async () => {
    const top = await runChut(['--help'], env);
    expect(top.code).toBe(0);
    expect(top.stdout).not.toContain('(s)'); // each command's summary reads as a sentence
    for (const cmd of ['run', 'serve', 'demo', 'lookup', 'allow', 'block', 'unlist', 'prune', 'import', 'export', 'report', 'check-config']) {
      expect(top.stdout).toContain(cmd);
      const h = await runChut([cmd, '--help'], env);
      expect(h.code, cmd).toBe(0);
      expect(h.stdout, cmd).toMatch(new RegExp(`usage: chut ${cmd}`));
    }
    expect((await runChut(['help', 'lookup'], env)).stdout).toMatch(/^usage: chut lookup/);
    for (const list of ['block', 'allow']) { // the usage line names each of the command's own options
      expect((await runChut([list, '--help'], env)).stdout.split('\n')[0]).toBe(`usage: chut ${list} NUMBER|PREFIX [--reason TEXT] [--expires 30d|DATE] [--force]`);
    }
    expect((await runChut(['demo', '--help'], env)).stdout).not.toMatch(/^\s+-c, --config/m); // the demo refuses it
    const bare = await runChut([], env); // no command is a usage error: the text goes to standard error
    expect([bare.code, bare.stdout]).toEqual([2, '']);
    expect(bare.stderr).toMatch(/usage: chut COMMAND/);
    const version = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
    expect((await runChut(['--version'], env)).stdout).toBe(`chut ${version.version}\n`);
  });

  it('stops quietly when the reader of its output goes away (chut demo | head)', async () => {
    const child = spawn(process.execPath, [CHUT_BIN, 'demo'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before chut writes a line
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it('rejects unknown commands and options with exit code 2', async () => {
    expect((await runChut(['frobnicate'], env)).code).toBe(2);
    const bad = await runChut(['block', '0612345678', '--bogus'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bogus/);
    // the demo runs on built-in settings: a --config it would silently ignore is refused instead
    const demoConfig = await runChut(['demo', '--config', 'config/chut.yaml'], env);
    expect(demoConfig.code).toBe(2);
    expect(demoConfig.stderr).toMatch(/--config does not apply/);
  });

  it('refuses a flag given a value (--force=yes) saying it takes none, exit 2, before reading any file', async () => {
    for (const [args, flag] of [[['import', join(dir, 'missing.csv'), '--force=yes'], '--force'], [['prune', '--dry-run=1'], '--dry-run'],
      [['lookup', '0612345678', '--json=true'], '--json'], [['report', '--help=no'], '--help']] as const) {
      const r = await runChut([...args], env);
      expect([r.code, r.stdout, r.stderr], args.join(' ')).toEqual([2, '', `chut ${args[0]}: ${flag} takes no value: write ${flag} alone (or leave it out); see --help\n`]);
    }
  });

  it('refuses a short option given a value with = (-h=1, -o=FILE) saying what to write instead, exit 2, before reading or writing any file', async () => {
    // node's parser said "unknown option -=" for a flag, and took "=out.csv" as -o's value: an export wrote "=out.csv"
    for (const [args, command, said] of [
      [['import', join(dir, 'missing.csv'), '-h=1'], 'import', '-h takes no value: write -h alone (or leave it out)'],
      [['export', '-o=out.csv'], 'export', '-o takes its value after a space: write -o VALUE (or --output=VALUE)'],
      [['-c=chut.yaml', 'check-config'], 'check-config', '-c takes its value after a space: write -c VALUE (or --config=VALUE)'],
    ] as const) {
      const r = await runChut([...args], env, { cwd: dir });
      expect([r.code, r.stdout, r.stderr], args.join(' ')).toEqual([2, '', `chut ${command}: ${said}; see --help\n`]);
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('='))).toEqual([]);
  });

  // ~14 chut processes one after the other: timed out at vitest's default 30 s on a loaded machine
  it('takes --config and --redis before the command too; any other option there is a usage error naming its place', { timeout: 120_000 }, async () => {
    const cfg = join(dir, 'before.yaml');
    writeFileSync(cfg, `log:\n  level: warn\npolicy: ${join(process.cwd(), 'config', 'policy.yaml')}\n`);
    for (const args of [['--config', cfg, 'check-config'], ['-c', cfg, 'check-config'], [`--config=${cfg}`, 'check-config']]) {
      const r = await runChut(args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`configuration OK (${cfg})`);
    }
    const redisFirst = await runChut(['--redis', url, 'report', '--since', '1h', '--json'], { CHUT_REDIS_PREFIX: prefix });
    expect(redisFirst.code, redisFirst.stderr).toBe(0);
    const json = await runChut(['--json', 'report'], env);
    expect([json.code, json.stdout]).toEqual([2, '']);
    expect(json.stderr).toBe('chut: options go after the command: chut report --json … (chut --help lists the commands)\n');
    expect((await runChut(['--config'], env)).code).toBe(2);
    expect((await runChut(['--config', cfg], env)).stderr).toMatch(/no command after --config/);
    // help comes after them too: the options are not taken for the command to describe
    for (const args of [['--config', cfg, 'help', 'lookup'], ['--redis', url, 'help', 'lookup'], [`--config=${cfg}`, 'help', 'lookup']]) {
      const h = await runChut(args, env);
      expect([h.code, h.stderr], args.join(' ')).toEqual([0, '']);
      expect(h.stdout).toMatch(/^usage: chut lookup/);
    }
    const top = await runChut(['--config', cfg, 'help'], env);
    expect([top.code, top.stderr]).toEqual([0, '']);
    expect(top.stdout).toMatch(/usage: chut COMMAND/);
    expect((await runChut(['--config', 'help', 'lookup'], env)).stderr).toMatch(/--config needs a value/);
  });

  it('refuses flags that contradict each other (report --json --format csv) instead of picking one', async () => {
    const r = await runChut(['report', '--json', '--format', 'csv'], env);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/--json and --format csv conflict/);
    expect((await runChut(['report', '--json', '--format', 'json'], env)).code).toBe(0);
  });

  it('blocks, looks up, unlists a number given in national form', async () => {
    const block = await runChut(['block', '06 12 34 56 78', '--reason', 'harcèlement'], env);
    expect(block.code, block.stderr).toBe(0);
    expect(block.stdout).toContain('+33612345678');
    const look = await runChut(['lookup', '+33612345678'], env);
    expect(look.code, look.stderr).toBe(0);
    expect(look.stdout).toMatch(/decision: reject/);
    expect(look.stdout).toContain('harcèlement');
    const json = JSON.parse((await runChut(['lookup', '0612345678', '--json'], env)).stdout);
    expect(json.decision.action).toBe('reject');
    const removed = await runChut(['unlist', '0612345678'], env);
    expect([removed.code, removed.stdout, removed.stderr]).toEqual([0, 'removed +33612345678\n', '']);
    // a failure says so on standard error: a script reading standard output sees nothing removed
    const notListed = await runChut(['unlist', '0612345678'], env);
    expect([notListed.code, notListed.stdout, notListed.stderr]).toEqual([1, '', 'chut unlist: +33612345678 was not listed\n']);
    expect(JSON.parse((await runChut(['lookup', '0612345678', '--json'], env)).stdout).decision.action).not.toBe('reject');
  });

  it('a --reason cut to its 256 characters never halves an emoji (the export showed U+FFFD in its place)', async () => {
    const reason = `${'x'.repeat(255)}😀 and more`;
    expect((await runChut(['block', '0612345670', '--reason', reason], env)).code).toBe(0);
    const exported = await runChut(['export'], env);
    const line = exported.stdout.split('\n').find((l) => l.includes('+33612345670')) ?? '';
    expect(line).toContain('x'.repeat(255));
    expect(line).not.toContain('\uFFFD');
    expect(line).not.toMatch(/[\uD800-\uDFFF]/u);
    expect((await runChut(['unlist', '0612345670'], env)).code).toBe(0);
  });

  it('blocking an allowlisted number moves it, and says so: left on both lists it would still ring', async () => {
    expect((await runChut(['allow', '0612345699'], env)).code).toBe(0);
    const block = await runChut(['block', '0612345699'], env);
    expect(block.code, block.stderr).toBe(0);
    expect(block.stdout).toBe('blocklisted +33612345699 (removed from the allow list)\n');
    expect(JSON.parse((await runChut(['lookup', '0612345699', '--json'], env)).stdout).decision.rule).toBe('blocklist');
    expect((await runChut(['unlist', '0612345699'], env)).code).toBe(0);
  });

  it('allowlists a prefix with an expiry and refuses garbage entries as usage errors (exit 2, like a bad --expires)', async () => {
    const ok = await runChut(['allow', '0937*', '--reason', 'livraisons', '--expires', '30d'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\+33937\*/);
    const bad = await runChut(['block', 'hello'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a number or prefix/);
    expect((await runChut(['unlist', 'hello'], env)).code).toBe(2);
    expect((await runChut(['allow', '0612345678', '--expires', 'soon'], env)).code).toBe(2);
    const country = await runChut(['block', '+33*'], env);
    expect(country.code).toBe(2);
    expect(country.stderr).toMatch(/whole country code.*--force/);
    expect((await runChut(['block', '+33*', '--force'], env)).code).toBe(0);
    expect((await runChut(['unlist', '+33*'], env)).code).toBe(0);
    const demo = await runChut(['demo', '--redis', url, '--prefix', 'chut:'], env);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toMatch(/must contain "demo"/);
    // without --redis the demo keeps nothing: a --prefix is refused, not silently ignored
    const prefixAlone = await runChut(['demo', '--prefix', 'x-demo:'], env);
    expect([prefixAlone.code, prefixAlone.stdout]).toEqual([2, '']);
    expect(prefixAlone.stderr).toMatch(/^chut demo: --prefix needs --redis URL/);
    // a bad --redis or --prefix is one line naming the flag, not a stack trace
    for (const [flags, named] of [[['--redis', 'notaurl'], /^chut demo: --redis: must be a redis:\/\//], [['--redis', url, '--prefix', 'x demo*'], /^chut demo: --prefix: /]] as const) {
      const bad = await runChut(['demo', ...flags], env);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(named);
      expect(bad.stdout).toBe(''); // refused before the banner
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
    // and a bad --redis is not blamed on CHUT_REDIS_URL, which was fine
    const flag = await runChut(['block', '0612345678', '--redis', 'http://x'], env);
    expect(flag.code).toBe(78);
    expect(flag.stderr).toMatch(/redis\.url: must be/);
    expect(flag.stderr).not.toMatch(/CHUT_REDIS_URL/);
  });

  it('imports a CSV (reporting skipped lines), exports it losslessly, and re-imports the export', async () => {
    const file = join(dir, 'list.csv');
    writeFileSync(file, 'number,reason\n0162000001,npv\n+33 1 62 00 00 02,"quoted, reason"\nnot-a-number,x\n\n');
    const imp = await runChut(['import', file, '--format', 'csv'], env);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/imported 2 entries, skipped 2 \(1 × invalid number, 1 × empty line\)/);
    const exp = await runChut(['export'], env);
    expect(exp.code).toBe(0);
    expect(exp.stdout).toContain('+33162000002');
    expect(exp.stdout).toContain('quoted, reason');
    const out = join(dir, 'export.csv');
    expect((await runChut(['export', '-o', out], env)).code).toBe(0);
    expect(entries(readFileSync(out, 'utf8'))).toEqual(entries(exp.stdout));
    expect((await runChut(['unlist', '0162000001'], env)).code).toBe(0);
    const again = await runChut(['import', out, '--format', 'chut'], env);
    expect(again.code, again.stderr).toBe(0);
    // the same entries, field for field (export streams buckets in Redis SCAN order, which is not stable)
    expect(entries((await runChut(['export'], env)).stdout)).toEqual(entries(exp.stdout));
  });

  it('lookup says a captcha timeout is counted as "failed or timed out", not just "failed"; --json keeps its keys', async () => {
    // a silent robot: its captcha timed out, recorded as chut's outcome handling records it (the `failed` counter)
    const store = createRedisStore({ url, prefix });
    try {
      await store.applyOutcome(outcomeUpdate('+33612340077', { kind: 'captcha', outcome: 'timeout' }, parseConfig({}).reputation, Date.now()));
    } finally {
      await store.close();
    }
    const look = await runChut(['lookup', '0612340077'], env);
    expect(look.code, look.stderr).toBe(0);
    expect(look.stdout).toContain('captcha passed 0 / failed or timed out 1 / hung up 0');
    const json = JSON.parse((await runChut(['lookup', '0612340077', '--json'], env)).stdout);
    expect(json.facts.captcha).toEqual({ passed: 0, failed: 1, hungUp: 0 });
  });

  it('lookup never sends an imported reason\'s escape sequences or bidi controls to the terminal', async () => {
    const file = join(dir, 'hostile.csv');
    writeFileSync(file, 'number,reason\n0162000077,"\u001b[2J\u001b]0;pwned\u0007evil\u202e\u2066txt\nnext line"\n');
    expect((await runChut(['import', file], env)).code).toBe(0);
    const out = await runChut(['lookup', '0162000077'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/listed: block \+33162000077 \(.*evil.*txt\\u000anext line; source import:csv/);
    expect(out.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect((await runChut(['unlist', '0162000077'], env)).code).toBe(0);
  });

  it('refuses an unreadable import with exit 65 (66 for a missing file) and applies nothing', async () => {
    const missing = await runChut(['import', join(dir, 'nope.csv')], env);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv: no such file \(ENOENT\)/);
    expect((await runChut(['import', dir], env)).code).toBe(66);
    const file = join(dir, 'ftc.csv');
    writeFileSync(file, 'this,is,not,the,ftc,header\n2025551234,x\n');
    const bad = await runChut(['import', file, '--format', 'ftc'], env);
    expect(bad.code).toBe(65);
    expect(bad.stderr).toMatch(/nothing imported/);
    const latin1 = join(dir, 'latin1.csv');
    writeFileSync(latin1, Buffer.from('number,reason\n0612345678,D\xe9marchage\n', 'latin1'));
    const notUtf8 = await runChut(['import', latin1], env);
    expect(notUtf8.code).toBe(65);
    expect(notUtf8.stderr).toMatch(/is not UTF-8 text: save it as UTF-8/);
    const utf16 = join(dir, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('number,reason\n0612345678,x\n', 'utf16le')]));
    expect((await runChut(['import', utf16], env)).stderr).toMatch(/is UTF-16 text: save it as UTF-8/);
    const headerOnly = join(dir, 'header-only.csv');
    writeFileSync(headerOnly, 'number,reason\n');
    const empty = await runChut(['import', headerOnly], env);
    expect([empty.code, empty.stderr]).toEqual([65, expect.stringMatching(/holds no list entry/)]);
    const refused = join(dir, 'all-bad.csv');
    writeFileSync(refused, 'number,reason\nhello,x\n12,y\n');
    const none = await runChut(['import', refused], env);
    expect(none.code).toBe(65);
    expect(none.stdout).toBe(''); // a failure: the reason on standard error only
    expect(none.stderr).toMatch(/no line could be imported, skipped 2 \(2 × invalid number\)/);
    expect(empty.stdout).toBe('');
  });

  it('reports in text and json', async () => {
    // three calls recorded under this test's prefix, as chut run records them
    const seeded = uniquePrefix('cli-report');
    const store = createRedisStore({ url, prefix: seeded });
    const base = { pbx: 'asterisk', rawCaller: '0612345678', callerKind: 'valid' as const, callerName: 'X', dialled: '+33100000000', reasons: ['r'], shadow: false, degraded: false, latencyMs: 1 };
    try {
      const now = Date.now();
      await store.recordCall({ blockDigits: 8, maxWindowSec: 600, streamMaxLen: 100, record: { ...base, time: now - 1000, callId: 'a', caller: '+33612345678', action: 'ring', route: 'ring', rule: 'default', captcha: null } });
      await store.recordCall({ blockDigits: 8, maxWindowSec: 600, streamMaxLen: 100, record: { ...base, time: now - 900, callId: 'b', caller: '+33162000001', action: 'captcha', route: 'reject', rule: 'telemarketing-legal-hours', captcha: 'timeout' } });
      await store.recordCall({ blockDigits: 8, maxWindowSec: 600, streamMaxLen: 100, record: { ...base, time: now - 800, callId: 'c', caller: '+33162000001', action: 'captcha', route: 'ring', rule: 'telemarketing-legal-hours', captcha: 'passed' } });
      const seededEnv = { ...env, CHUT_REDIS_PREFIX: seeded };
      const text = await runChut(['report', '--since', '7d'], seededEnv);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/telemarketing-legal-hours\s+2\b/);
      expect(text.stdout).toMatch(/captcha pass rate\s+50\.0% \(2 captchas\)/);
      const json = await runChut(['report', '--json'], seededEnv);
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout) as { total: number; byRoute: Array<{ key: string; count: number }>; captcha: { passRate: number } };
      expect([report.total, report.byRoute, report.captcha.passRate]).toEqual([3, [{ key: 'ring', count: 2 }, { key: 'reject', count: 1 }], 0.5]);
    } finally {
      await store.close();
      await removeKeys(url, seeded);
    }
    expect((await runChut(['report', '--since', 'yesterday-ish'], env)).code).toBe(2);
    // counters are hourly: a window under an hour cannot be told apart from the whole hour, so it is refused
    for (const since of ['30m', '59m', '90s', '0h']) {
      const short = await runChut(['report', '--since', since], env);
      expect([short.code, short.stdout], since).toEqual([2, '']);
      expect(short.stderr).toMatch(/calls are counted per hour, so the shortest window is 1h/);
    }
    // however --since is written: an ISO time 20 minutes ago is refused the same way, not counted from the hour
    const isoShort = new Date(Date.now() - 20 * 60_000).toISOString();
    const iso = await runChut(['report', '--since', isoShort], env);
    expect([iso.code, iso.stdout], isoShort).toEqual([2, '']);
    expect(iso.stderr).toMatch(/calls are counted per hour, so the shortest window is 1h/);
    expect((await runChut(['report', '--since', new Date(Date.now() - 2 * 3_600_000).toISOString()], env)).code).toBe(0);
    // the top of this hour is counted exactly: not refused, however recent
    const thisHour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    expect((await runChut(['report', '--since', thisHour], env)).code, thisHour).toBe(0);
    expect((await runChut(['report', '--since', '60m'], env)).code).toBe(0);
    expect((await runChut(['report', '--help'], env)).stdout).toMatch(/counted per UTC hour, so a report starts at the top of the hour/);
  });

  // 9 chut processes one after the other
  it('reads a --since time without an offset as UTC whatever TZ the host has, as it reads a date alone', { timeout: 120_000 }, async () => {
    const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    for (const TZ of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
      for (const [since, start] of [[`${day}T10:00`, `${day}T10:00:00.000Z`], [day, `${day}T00:00:00.000Z`], [`${day}T10:00+05:30`, `${day}T04:00:00.000Z`]]) {
        const r = await runChut(['report', '--since', since as string, '--json'], { ...env, TZ });
        expect(r.code, `${TZ} ${since}: ${r.stderr}`).toBe(0);
        // counted from the top of the UTC hour the time falls in (04:30 UTC → 04:00)
        expect((JSON.parse(r.stdout) as { since: string }).since, `${TZ} ${since}`).toBe(start);
      }
    }
  });

  it('says clearly when Redis is unreachable (exit 69), without leaking the password', async () => {
    const r = await runChut(['block', '0612345678'], { CHUT_REDIS_URL: 'redis://:s3cretpass@127.0.0.1:1' });
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/Redis is unreachable/);
    expect(r.stderr).not.toContain('s3cretpass');
    // the socket's own error, not the client's retry bookkeeping, and the setting that named this server
    expect(r.stderr).toMatch(/at redis:\/\/\*\*\*@127\.0\.0\.1:1 \(from CHUT_REDIS_URL\): connect ECONNREFUSED 127\.0\.0\.1:1\. Check CHUT_REDIS_URL/);
    expect(r.stderr).not.toMatch(/maxRetriesPerRequest|max retries/);
    const flag = await runChut(['block', '0612345678', '--redis', 'redis://:s3cretpass@127.0.0.1:1'], { CHUT_REDIS_URL: url });
    expect(flag.code).toBe(69);
    expect(flag.stderr).toMatch(/\(from the --redis flag\): connect ECONNREFUSED 127\.0\.0\.1:1\. Check the --redis URL\.\n$/);
    expect(flag.stderr).not.toMatch(/CHUT_REDIS_URL|redis\.url|s3cretpass/);
  });

  it('a database the server does not have is refused (exit 78): ioredis would quietly use database 0', async () => {
    const db99 = new URL(url);
    db99.pathname = '/99';
    const r = await runChut(['block', '0612345678'], { ...env, CHUT_REDIS_URL: db99.toString() });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/database in redis\.url does not exist/);
  });

  it('list and report commands refuse the memory store, which would keep nothing once the command ends', async () => {
    const r = await runChut(['block', '0612345678'], { ...env, CHUT_STORE: 'memory' });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/store: memory .* need Redis/);
    expect(r.stdout).toBe('');
  });

  it('an --output that cannot be written is one clear line (exit 73); a failed export leaves the old file as it was', async () => {
    const exp = await runChut(['export', '-o', join(dir, 'missing-dir', 'x.csv')], env);
    expect(exp.code).toBe(73);
    expect(exp.stderr).toBe(`chut export: cannot write ${join(dir, 'missing-dir', 'x.csv')}: no such directory (ENOENT)\n`);
    expect(exp.stderr).not.toMatch(/Unhandled|\n\s+at /);
    const rep = await runChut(['report', '-o', join(dir, 'missing-dir', 'r.html')], env);
    expect(rep.code).toBe(73);
    expect(rep.stderr).toMatch(/cannot write .*r\.html: no such directory \(ENOENT\)/);
    // checked before Redis is touched: no connection (73, not 69, with Redis down), no key written (not even the schema's)
    for (const cmd of ['export', 'report']) {
      const down = await runChut([cmd, '-o', join(dir, 'missing-dir', 'x')], { CHUT_REDIS_URL: 'redis://127.0.0.1:1' });
      expect(down.code, down.stderr).toBe(73);
      const untouched = uniquePrefix('cli-untouched');
      expect((await runChut([cmd, '-o', join(dir, 'missing-dir', 'x')], { CHUT_REDIS_URL: url, CHUT_REDIS_PREFIX: untouched })).code).toBe(73);
      const redis = new Redis(url);
      try {
        expect(await redis.keys(`${untouched}*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    }
    const report = join(dir, 'report.txt');
    writeFileSync(report, 'last week\n');
    expect((await runChut(['report', '-o', report], { CHUT_REDIS_URL: 'redis://127.0.0.1:1' })).code).toBe(69);
    expect(readFileSync(report, 'utf8')).toBe('last week\n');
    expect((await runChut(['report', '-o', report], env)).code).toBe(0);
    expect(readFileSync(report, 'utf8')).toMatch(/^chut report: last 24h/);

    const backup = join(dir, 'backup.csv');
    writeFileSync(backup, 'last week\n');
    const down = await runChut(['export', '-o', backup], { CHUT_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(down.code).toBe(69);
    expect(readFileSync(backup, 'utf8')).toBe('last week\n');
    expect((await runChut(['export', '-o', backup], env)).code).toBe(0);
    expect(readFileSync(backup, 'utf8')).toMatch(/^list,kind,entry,/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses an import file too large to parse in memory, up front, saying how to proceed (exit 65)', async () => {
    const big = join(dir, 'huge.csv');
    writeFileSync(big, '');
    truncateSync(big, 65 * 1024 * 1024); // sparse: nothing is written to disk
    const r = await runChut(['import', big, '--dry-run'], env);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/larger than 64 MiB.*split it/);
  });

  it('export -o writes where a symlink points, keeps a private backup private, and streams into a FIFO in place', async () => {
    const real = join(dir, 'real-backup.csv');
    writeFileSync(real, 'old\n', { mode: 0o600 });
    chmodSync(real, 0o600);
    const link = join(dir, 'latest.csv');
    symlinkSync(real, link);
    expect((await runChut(['export', '-o', link], env)).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toMatch(/^list,kind,entry,/);
    expect(statSync(real).mode & 0o777).toBe(0o600);
    // a dangling link names the file to create
    const dangling = join(dir, 'next.csv');
    symlinkSync(join(dir, 'not-yet.csv'), dangling);
    expect((await runChut(['export', '-o', dangling], env)).code).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'not-yet.csv'), 'utf8')).toMatch(/^list,kind,entry,/);

    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((resolve, reject) => {
      const cat = spawn('cat', [fifo]);
      let out = '';
      cat.stdout.on('data', (c: Buffer) => { out += String(c); });
      cat.on('close', () => resolve(out));
      cat.on('error', reject);
    });
    expect((await runChut(['export', '-o', fifo], env)).code).toBe(0);
    expect(await reader).toMatch(/^list,kind,entry,/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('serve on a port already taken names the port and the setting to change (exit 69), no stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = await runChut(['serve'], { CHUT_STORE: 'memory', CHUT_HTTP_HOST: '127.0.0.1', CHUT_HTTP_PORT: String(port) }, { timeoutMs: 20_000 });
      expect(r.code).toBe(69);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
      expect(r.stderr).toContain('CHUT_HTTP_PORT');
      expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    } finally {
      taken.close();
    }
  });

  it('demo --redis with Redis unreachable says so and exits 69 instead of retrying for ever', async () => {
    const r = await runChut(['demo', '--redis', 'redis://:s3cretpass@127.0.0.1:1'], {}, { timeoutMs: 15_000 });
    expect(r.code).toBe(69);
    expect(r.stdout).toBe(''); // no banner for a demo that does not run
    expect(r.stderr).toMatch(/Redis is unreachable at redis:\/\/\*\*\*@127\.0\.0\.1:1.*--redis/);
    expect(r.stderr).not.toContain('s3cretpass');
    expect(r.stderr).not.toMatch(/Unhandled error event|\n\s+at /);
  });

  it('check-config validates the shipped files and reports every problem with its path (exit 78)', async () => {
    const ok = await runChut(['check-config'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/policy OK \(\S+\): mode enforce, \d+ rules, default ring\n/);
    // a policy of one rule says so in the singular
    const single = join(dir, 'one-rule.yaml');
    writeFileSync(single, 'version: 1\ndefault: ring\nrules:\n  - name: blocklist\n    when: { list: block }\n    action: reject\n');
    const one = await runChut(['check-config', '--policy', single], env);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`policy OK (${single}): mode enforce, 1 rule, default ring\n`);
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'screening:\n  deadlineMs: -1\n  defaultCountry: france\nhttp:\n  port: 99999\n');
    const bad = await runChut(['check-config', '--config', cfg], env);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('screening.deadlineMs');
    expect(bad.stderr).toContain('screening.defaultCountry');
    expect(bad.stderr).toContain('http.port');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'version: 1\ndefault: explode\nrules: []\n');
    const badPolicy = await runChut(['check-config', '--policy', policy], env);
    expect(badPolicy.code).toBe(78);
    expect(badPolicy.stderr).toMatch(/default/);
  });

  it('check-config asks Redis and says whether it answers, reading only; exit 0 either way (chut run starts without it)', async () => {
    const fresh = uniquePrefix('cli-cc');
    const redis = new Redis(url);
    try {
      const where = `Redis at ${url.replace(/\/\/.*@/, '//***@')}`;
      const answers = await runChut(['check-config'], { ...env, CHUT_REDIS_PREFIX: fresh });
      expect([answers.code, answers.stderr]).toEqual([0, '']);
      expect(answers.stdout).toContain(`\n${where}: answers (no chut keys under "${fresh}" yet)\n`);
      expect(await redis.exists(`${fresh}schema`)).toBe(0); // a check writes nothing
      await redis.hset(`${fresh}schema`, 'version', '1');
      expect((await runChut(['check-config'], { ...env, CHUT_REDIS_PREFIX: fresh })).stdout).toContain(`\n${where}: answers (schema version 1)\n`);
      await redis.hset(`${fresh}schema`, 'version', '99');
      const newer = await runChut(['check-config'], { ...env, CHUT_REDIS_PREFIX: fresh });
      expect(newer.code).toBe(0);
      expect(newer.stdout).toContain(`\n${where}: answers, but its keys under "${fresh}" use schema version 99; this chut understands version 1`);
      const down = await runChut(['check-config', '--redis', 'redis://:s3cretpass@127.0.0.1:1'], env);
      expect([down.code, down.stderr]).toEqual([0, '']);
      expect(down.stdout).toMatch(/^configuration OK/);
      expect(down.stdout).toContain('\nRedis at redis://***@127.0.0.1:1: not answering (connect ECONNREFUSED 127.0.0.1:1; from the --redis flag). Check the --redis URL.\n');
      expect(down.stdout).not.toContain('s3cretpass');
      const memory = await runChut(['check-config'], { CHUT_STORE: 'memory' });
      expect([memory.code, memory.stdout]).toEqual([0, expect.stringMatching(/store: memory/)]);
      expect(memory.stdout).not.toMatch(/Redis at/);
    } finally {
      redis.disconnect();
      await removeKeys(url, fresh);
    }
  });

  it('check-config warns of rules that can never decide a call (exit 0: the policy is valid)', async () => {
    const policy = join(dir, 'unreachable.yaml');
    writeFileSync(policy, 'version: 1\ndefault: ring\nrules:\n  - name: robots\n    when: { name: { contains: [ROBOT] } }\n    action: reject\n' +
      '  - name: robots-to-voicemail\n    when: { name: { contains: [ROBOT] } }\n    action: voicemail\n');
    const r = await runChut(['check-config', '--policy', policy], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('warning: rule "robots-to-voicemail" is never reached: rule "robots" before it has the same conditions');
  });

  it('check-config notes an Asterisk voicemail route with no routes.voicemailMailbox (the box named after the DID rarely exists)', async () => {
    const ari = join(dir, 'ari-no-box.yaml');
    writeFileSync(ari, 'ari:\n  enabled: true\n');
    const shipped = join(process.cwd(), 'config', 'policy.yaml'); // sends fr-npv calls outside legal hours to voicemail
    const noted = await runChut(['check-config', '--config', ari, '--policy', shipped], env);
    expect(noted.code, noted.stderr).toBe(0); // a note, not an error: the call rings, nothing is lost
    expect(noted.stdout).toMatch(/note: the policy can send calls to voicemail and routes\.voicemailMailbox is not set/);
    const boxed = join(dir, 'ari-box.yaml');
    writeFileSync(boxed, 'ari:\n  enabled: true\nroutes:\n  voicemailMailbox: 100@default\n');
    const boxedRun = await runChut(['check-config', '--config', boxed, '--policy', shipped], env);
    expect(boxedRun.stdout).toMatch(/policy OK/);
    expect(boxedRun.stdout).not.toMatch(/note:/);
    const noVoicemail = join(dir, 'no-vm-policy.yaml');
    writeFileSync(noVoicemail, 'version: 1\ndefault: ring\nrules:\n  - name: robots\n    when: { caller: withheld }\n    action: reject\n');
    const quiet = await runChut(['check-config', '--config', ari, '--policy', noVoicemail], env);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/policy OK/);
    expect(quiet.stdout).not.toMatch(/note:/);
  });

  it('check-config (exit 0) and run warn of ARI enabled without a password: Asterisk refuses an ARI user that has none', async () => {
    const cfg = join(dir, 'ari-no-password.yaml');
    writeFileSync(cfg, 'ari:\n  enabled: true\nroutes:\n  voicemailMailbox: 100@default\n');
    const shipped = join(process.cwd(), 'config', 'policy.yaml');
    const warned = await runChut(['check-config', '--config', cfg, '--policy', shipped], env);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toContain('warning: ari.enabled and ari.password is empty: Asterisk refuses every ARI user without a ' +
      'password (res_ari: "missing password; authentication failed"), so chut cannot connect. Set ari.password, or CHUT_ARI_PASSWORD, ' +
      'to the password of the ari.conf user ari.user (chut)\n');
    const given = await runChut(['check-config', '--config', cfg, '--policy', shipped], { ...env, CHUT_ARI_PASSWORD: 'a-password' });
    expect(given.stdout).toMatch(/policy OK/);
    expect(given.stdout).not.toMatch(/warning:/);
    const off = await runChut(['check-config'], env); // no ARI: no password to want
    expect(off.stdout).not.toMatch(/ari\.password/);
    // run logs it at start too (here it then stops at once: its FreeSWITCH socket cannot listen on TEST-NET-1)
    const stopped = join(dir, 'ari-no-password-run.yaml');
    writeFileSync(stopped, `policy: ${shipped}\nari:\n  enabled: true\n  url: http://127.0.0.1:1\nesl:\n  enabled: true\n  listenHost: 192.0.2.1\nhttp:\n  port: 0\n`);
    const run = await runChut(['run', '--config', stopped], { CHUT_STORE: 'memory' }, { timeoutMs: 20_000 });
    expect(run.code, run.stderr).toBe(69);
    expect(run.stderr).toMatch(/"level":40,.*"msg":"ari\.enabled and ari\.password is empty: Asterisk refuses every ARI user without a password/);
  });

  it('check-config (exit 0) and run warn of an ESL listener open to other hosts that allows only loopback (FreeSWITCH elsewhere is refused)', async () => {
    const shipped = join(process.cwd(), 'config', 'policy.yaml');
    const cfg = join(dir, 'esl-open.yaml');
    writeFileSync(cfg, 'esl:\n  enabled: true\n  listenHost: 0.0.0.0\n');
    const warned = await runChut(['check-config', '--config', cfg, '--policy', shipped], env);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toContain('warning: esl.listenHost is 0.0.0.0, but esl.allowFrom (127.0.0.0/8, ::1) allows this machine only: a ' +
      'FreeSWITCH on another host, or outside chut\'s container, is refused and its calls ring unscreened. Add the address FreeSWITCH ' +
      'connects from to esl.allowFrom, e.g. allowFrom: [127.0.0.0/8, ::1, 192.168.1.20] (in Docker with a published port: the bridge ' +
      'gateway\'s, e.g. 172.17.0.1)\n');
    const allowed = join(dir, 'esl-open-allowed.yaml');
    writeFileSync(allowed, 'esl:\n  enabled: true\n  listenHost: 0.0.0.0\n  allowFrom: [127.0.0.0/8, ::1, 172.17.0.1]\n');
    const quiet = await runChut(['check-config', '--config', allowed, '--policy', shipped], env);
    expect(quiet.stdout).toMatch(/policy OK/);
    expect(quiet.stdout).not.toMatch(/allowFrom/);
    const disabled = await runChut(['check-config', '--config', cfg, '--policy', shipped], { ...env, CHUT_ESL_ENABLED: 'false' });
    expect(disabled.stdout).not.toMatch(/allowFrom/);
    // run logs it at start (here it then stops at once: its socket cannot listen on TEST-NET-1)
    const stopped = join(dir, 'esl-open-run.yaml');
    writeFileSync(stopped, `policy: ${shipped}\nesl:\n  enabled: true\n  listenHost: 192.0.2.1\nhttp:\n  port: 0\n`);
    const run = await runChut(['run', '--config', stopped], { CHUT_STORE: 'memory' }, { timeoutMs: 20_000 });
    expect(run.code, run.stderr).toBe(69);
    expect(run.stderr).toMatch(/"level":40,.*"msg":"esl\.listenHost is 192\.0\.2\.1, but esl\.allowFrom \(127\.0\.0\.0\/8, ::1\) allows this machine only/);
  });

  it('check-config and run refuse AMI captcha prompts that cannot travel in one Setvar (every captcha call would fail open)', async () => {
    const cfg = join(dir, 'ami-prompts.yaml');
    const intro = Array.from({ length: 8 }, (_, i) => `custom/very-long-company-prompt-number-${i}`);
    writeFileSync(cfg, `ami:\n  enabled: true\ncaptcha:\n  language: fr\n  prompts:\n    fr:\n      intro: [${intro.join(', ')}]\n` +
      '      retry: [r]\n      thanks: [t]\n      goodbye: [g]\n');
    for (const cmd of ['check-config', 'run']) {
      const r = await runChut([cmd, '--config', cfg], env);
      expect(r.code, r.stderr).toBe(78);
      expect(r.stderr).toMatch(/ami: refusing AMI value for CHUT_CAPTCHA_PROMPTS: longer than 256 characters \(captcha\.prompts\.fr:/);
    }
  });
});
