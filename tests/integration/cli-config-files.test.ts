/**
 * Configuration and policy files as `chut check-config` reads them: what an administrator's mistake in the file
 * itself (a second YAML document, a file far too large) looks like from the command line. Needs no Redis.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runChut } from '../helpers/cli.js';

// Each test here runs the built CLI as a child process: Node start-up alone is a second or more per run on a loaded
// 2-vCPU CI box (cli-report-since's one run took 2.9 s there), and a test runs up to ten. The 30 s default was within
// reach; a real hang still fails, two minutes in.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'chut-cli-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shippedPolicy = resolve('config/policy.yaml');
const env = { CHUT_STORE: 'memory' };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('check-config and a file with a second YAML document (---)', () => {
  it('refuses a policy whose rules follow a ---, instead of passing it with 0 rules (every call would ring)', async () => {
    const policy = file('multipol.yaml', 'version: 1\nmode: enforce\ntimezone: Europe/Paris\ndefault: ring\n---\n# the rules\n' +
      'rules:\n  - name: blocklist\n    when: { list: block }\n    action: reject\n');
    const r = await runChut(['check-config', '--config', file('ok.yaml', `policy: ${shippedPolicy}\n`), '--policy', policy], env);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`chut check-config: invalid policy ${policy}:\n  (yaml): not valid YAML at line 5, column 1: ` +
      'a second YAML document starts here (---): a file holds one document; remove the --- line\n');
  });

  it('refuses a config file whose ari section follows a ---, instead of running with no PBX adapter', async () => {
    const config = file('multi.yaml', `policy: ${shippedPolicy}\n---\nari:\n  enabled: true\n`);
    const r = await runChut(['check-config', '--config', config], env);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`chut check-config: invalid configuration:\n  ${config}: not valid YAML at line 2, column 1: ` +
      'a second YAML document starts here (---): a file holds one document; remove the --- line\n');
  });
});

describe('check-config and a file far larger than any configuration or policy', () => {
  const tooLarge = 'larger than 1 MiB, far more than any configuration or policy needs: is it the right file?';

  // 40,000 captcha languages (2.4 MB) took yaml 139 s and 730 MB to read, and a 37 MB file never finished
  it('refuses a config file over 1 MiB at once, in one line', { timeout: 60_000 }, async () => {
    const languages = Array.from({ length: 40_000 }, (_, i) => `    l${i}: { intro: [digits], retry: [], thanks: [], goodbye: [] }\n`).join('');
    const config = file('huge.yaml', `policy: ${shippedPolicy}\ncaptcha:\n  prompts:\n${languages}`);
    const started = Date.now();
    const r = await runChut(['check-config', '--config', config], env, { timeoutMs: 30_000 });
    expect([r.code, r.stdout, r.stderr]).toEqual([78, '', `chut check-config: invalid configuration:\n  ${config}: ${tooLarge}\n`]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a policy file over 1 MiB the same way', { timeout: 60_000 }, async () => {
    const policy = file('huge-policy.yaml', `version: 1\ndefault: ring\nrules: []\n${'# a comment line of forty characters....\n'.repeat(30_000)}`);
    const r = await runChut(['check-config', '--config', file('ok.yaml', `policy: ${shippedPolicy}\n`), '--policy', policy], env, { timeoutMs: 30_000 });
    expect([r.code, r.stdout, r.stderr]).toEqual([78, '', `chut check-config: invalid policy ${policy}:\n  (file): ${tooLarge}\n`]);
  });
});

describe('a config file that is a named pipe (mkfifo)', () => {
  it('is read once: check-config answers instead of waiting forever for a second writer', async () => {
    const fifo = join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    // one writer, as `cat chut.yaml > fifo &` would be: whatever opens the pipe a second time waits for another
    const writer = spawn('sh', ['-c', `printf 'policy: ${shippedPolicy}\\n' > '${fifo}'`]);
    try {
      // a hang is forever: the bound only has to outlast a slow start-up on a loaded machine (15 s did not)
      const r = await runChut(['check-config', '--config', fifo], env, { timeoutMs: 60_000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/OK/);
    } finally {
      writer.kill();
    }
  });
});

describe('a policy file that is not there', () => {
  it('says where chut looked and why there, and what to do, for each way the path was given (exit 78)', async () => {
    // the config example's own advice, skipped: chut.yaml copied to a directory without policy.yaml beside it
    const etc = mkdtempSync(join(dir, 'etc-'));
    const config = join(etc, 'chut.yaml');
    writeFileSync(config, 'log:\n  level: info\n');
    const beside = await runChut(['check-config', '--config', config], env);
    expect([beside.code, beside.stdout]).toEqual([78, '']);
    expect(beside.stderr).toBe(`chut check-config: invalid policy ${join(etc, 'policy.yaml')}:\n` +
      `  (file): cannot read ${join(etc, 'policy.yaml')} (ENOENT)\n` +
      `  the policy (policy: policy.yaml, the default) is read from the config file's directory, ${etc}: copy ` +
      'config/policy.yaml there, or set policy: in the config file, or pass --policy FILE\n');
    const flag = await runChut(['check-config', '--config', config, '--policy', 'nope.yaml'], env, { cwd: etc });
    expect(flag.code).toBe(78);
    expect(flag.stderr).toMatch(/\(ENOENT\)\n {2}--policy nope\.yaml is read from the working directory, .*: check the path\n$/);
    const variable = await runChut(['check-config'], { ...env, CHUT_POLICY: 'nope.yaml' }, { cwd: etc });
    expect(variable.code).toBe(78);
    expect(variable.stderr).toMatch(/\(ENOENT\)\n {2}CHUT_POLICY=nope\.yaml is read from the working directory, .*: check the path\n$/);
  });
});

describe('check-config and AMI credentials that cannot travel in the Login action', () => {
  // A secret read from a file often keeps its final newline. The AMI client refuses a control character (or more than
  // 128 characters) in any header it writes: check-config used to say OK and `chut run` to die on its first line with
  // "unexpected error" and a stack trace. Both now name the setting, never its value.
  it('says so for check-config and run alike, without the password', async () => {
    const config = file('ami-cred.yaml', `policy: ${shippedPolicy}\nami:\n  enabled: true\n  port: 1\n`);
    const secret = { ...env, CHUT_AMI_PASSWORD: 'hunter2-secret\n' };
    for (const command of ['check-config', 'run']) {
      const r = await runChut([command, '--config', config], secret);
      expect(r.code, command).toBe(78);
      expect(r.stderr, command).toMatch(/ami\.password.*: must hold no control character/);
      expect(r.stderr + r.stdout, command).not.toContain('hunter2');
    }
    const long = await runChut(['check-config', '--config', config], { ...env, CHUT_AMI_PASSWORD: 'x'.repeat(129) });
    expect(long.code).toBe(78);
    expect(long.stderr).toMatch(/ami\.password.*: at most 128 characters/);
  });
});

describe('check-config and PBX passwords that could never log in', () => {
  // ARI's credentials travel as HTTP Basic authentication: a secret file's final newline was sent as part of the
  // password, check-config said OK, and `chut run` retried 401s forever with "check ari.user / ari.password". An ESL
  // password with a line break before its end was sent with the break dropped: another password, silently.
  it('says so for check-config and run alike, naming the setting and the variable, without the password', async () => {
    const config = file('ari-cred.yaml', `policy: ${shippedPolicy}\nari:\n  enabled: true\n  url: http://127.0.0.1:1\n`);
    const secret = { ...env, CHUT_ARI_PASSWORD: 'hunter2-secret\n' };
    for (const command of ['check-config', 'run']) {
      const r = await runChut([command, '--config', config], secret);
      expect(r.code, command).toBe(78);
      expect(r.stderr, command).toMatch(/ari\.password: must hold no control character .*\(from CHUT_ARI_PASSWORD\)/);
      expect(r.stderr + r.stdout, command).not.toContain('hunter2');
    }
    // one HTTP Basic header: a user and password too long together in the file, refused in a shell, were taken with
    // the password in the service's environment
    const longPair = file('ari-long-pair.yaml', `policy: ${shippedPolicy}\nari:\n  user: ${'u'.repeat(200)}\n  password: ${'hunter2-'.repeat(12)}\n`);
    const pair = await runChut(['check-config', '--config', longPair], { ...env, CHUT_ARI_PASSWORD: 'pw' });
    expect([pair.code, pair.stdout]).toEqual([78, '']);
    expect(pair.stderr).toMatch(/\n {2}ari\.password: with ari\.user, at most 255 bytes .* \(the file's values, overridden by CHUT_ARI_PASSWORD\)\n$/);
    expect(pair.stderr).not.toContain('hunter2');
    const esl = await runChut(['check-config', '--config', file('esl-cred.yaml', `policy: ${shippedPolicy}\n`)],
      { ...env, CHUT_ESL_PASSWORD: 'hunter2\nsecret' });
    expect(esl.code).toBe(78);
    expect(esl.stderr).toMatch(/esl\.inbound\.password: must hold no line break but a final one.*\(from CHUT_ESL_PASSWORD\)/);
    expect(esl.stderr + esl.stdout).not.toContain('hunter2');
  });
});

describe('a configuration file that is not there', () => {
  it('says who named it and what to do, for --config and CHUT_CONFIG (exit 78)', async () => {
    const missing = join(dir, 'etc-none', 'chut.yaml');
    const flag = await runChut(['check-config', '--config', missing], env);
    expect([flag.code, flag.stdout]).toEqual([78, '']);
    expect(flag.stderr).toBe(`chut check-config: invalid configuration:\n  ${missing}: cannot read (ENOENT)\n` +
      `  no file there (--config ${missing}): copy config/chut.example.yaml there and edit it, or check the path\n`);
    const variable = await runChut(['lookup', '0612345678'], { ...env, CHUT_CONFIG: 'chut.yml' }, { cwd: dir });
    expect(variable.code).toBe(78);
    expect(variable.stderr).toMatch(/\(ENOENT\)\n {2}no file there \(CHUT_CONFIG=chut\.yml, read from the working directory, .*\): copy config\/chut\.example\.yaml there and edit it, or check the path, or unset CHUT_CONFIG to run on the defaults and the environment\n$/);
  });
});

describe('a Redis URL given with --redis that is no Redis URL', () => {
  it('is named as the flag it came from, as CHUT_REDIS_URL is, even with the variable set (exit 78)', async () => {
    const r = await runChut(['check-config', '--redis', 'localhost:6379'], { ...env, CHUT_REDIS_URL: 'redis://127.0.0.1:6379' }, { cwd: dir });
    expect([r.code, r.stdout]).toEqual([78, '']);
    expect(r.stderr).toMatch(/^chut check-config: invalid configuration:\n {2}redis\.url: must be a redis:\/\/ or rediss:\/\/ URL: .* \(from --redis\)\n$/);
  });

  it('does not hide a bad redis.url in the file, which it overrides: that file is refused without the flag (exit 78)', async () => {
    const config = file('bad-redis-url.yaml', `policy: ${shippedPolicy}\nredis:\n  url: "localhost:6379"\n`);
    const good = 'redis://127.0.0.1:6379';
    for (const variables of [env, { ...env, CHUT_REDIS_URL: good }]) {
      const r = await runChut(['check-config', '--config', config, '--redis', good], variables, { cwd: dir });
      expect([r.code, r.stdout]).toEqual([78, '']);
      expect(r.stderr).toMatch(/^chut check-config: invalid configuration:\n {2}redis\.url: must be a redis:\/\/ or rediss:\/\/ URL: .* \(the file's value, overridden by --redis\)\n$/);
    }
  });
});

describe('chut run with a Redis that does not answer', () => {
  it('says to check the setting that named it: the --redis URL typed, not redis.url', async () => {
    // the ESL listener on an address not this machine's stops chut once Redis was waited for (exit 69)
    const config = file('run-redis.yaml', `policy: ${shippedPolicy}\nredis:\n  connectTimeoutMs: 200\nesl:\n  enabled: true\n` +
      '  listenHost: 192.0.2.1\nhttp:\n  port: 0\n');
    const r = await runChut(['run', '--config', config, '--redis', 'redis://127.0.0.1:1'], {}, { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(69);
    const warning = r.stderr.split('\n').find((l) => l.includes('Redis is not answering yet'));
    expect(warning).toContain('Check the --redis URL.');
    expect(warning).not.toContain('redis.url');
  });
});

describe('a CHUT_ variable chut does not read (a misspelling in a systemd unit or a docker env file)', () => {
  // The same slip in the file is refused with "did you mean"; in the environment chut ran on its defaults without a
  // word. A warning, not a refusal (an image may carry variables of another version), and never the value: the
  // misspelt variable may hold a secret.
  const misspelt = { ...env, CHUT_REDIS_UR: 'redis://:hunter2@10.0.0.9:6379', CHUT_AMI_PASWORD: 'hunter2-ami', CHUT_NO_SUCH_THING: 'hunter2-x' };

  it('check-config warns of each with its other warnings, after its report on stdout, with the variable it is closest to (exit 0)', async () => {
    const config = file('env-typo.yaml', `policy: ${shippedPolicy}\nari:\n  enabled: true\n`);
    const r = await runChut(['check-config', '--config', config], misspelt);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^configuration OK/);
    // in one place with the file's own warnings (here: ARI on without a password)
    expect(r.stdout).toMatch(/^warning: ari\.enabled and ari\.password is empty/m);
    expect(r.stdout.split('\n').filter((l) => l.includes('chut reads no environment variable')).sort()).toEqual([
      'warning: CHUT_AMI_PASWORD is set, but chut reads no environment variable of that name: it is ignored (did you mean CHUT_AMI_PASSWORD?)',
      'warning: CHUT_NO_SUCH_THING is set, but chut reads no environment variable of that name: it is ignored (config/chut.example.yaml lists those chut reads)',
      'warning: CHUT_REDIS_UR is set, but chut reads no environment variable of that name: it is ignored (did you mean CHUT_REDIS_URL?)',
    ]);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('check-config says nothing of the variables chut\'s own tools read, nor of an empty one', async () => {
    const r = await runChut(['check-config', '--config', file('env-own.yaml', `policy: ${shippedPolicy}\n`)],
      { ...env, CHUT_TEST_REDIS_URL: 'redis://127.0.0.1:6379', CHUT_REQUIRE_REDIS_SERVER: '1', CHUT_BENCH_LOG: '/dev/null', CHUT_REDIS_UR: '' });
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('check-config warns of it even when the configuration is refused: the slip may be why', async () => {
    const r = await runChut(['check-config', '--config', file('env-typo-bad.yaml', `policy: ${shippedPolicy}\nari: true\n`)], misspelt);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('warning: CHUT_REDIS_UR is set, but chut reads no environment variable of that name: it is ignored (did you mean CHUT_REDIS_URL?)\n');
    expect(r.stderr).toMatch(/\nchut check-config: invalid configuration:\n {2}ari: must be a section/); // after the warnings
    expect(r.stderr).not.toContain('hunter2');
  });

  it('chut run says them on stderr before the problems when it refuses the configuration (it has no logger yet)', async () => {
    const r = await runChut(['run', '--config', file('env-typo-run-bad.yaml', `policy: ${shippedPolicy}\nari: true\n`)], misspelt);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('warning: CHUT_REDIS_UR is set, but chut reads no environment variable of that name: it is ignored (did you mean CHUT_REDIS_URL?)\n');
    expect(r.stderr).toMatch(/\nchut run: invalid configuration:\n {2}ari: must be a section/); // after the warnings
    expect(r.stderr).not.toContain('hunter2');
  });

  it('chut run logs each as a warning at start', async () => {
    // the ESL listener on an address not this machine's stops chut once it has started (exit 69)
    const config = file('env-typo-run.yaml', `policy: ${shippedPolicy}\nesl:\n  enabled: true\n  listenHost: 192.0.2.1\nhttp:\n  port: 0\n`);
    const r = await runChut(['run', '--config', config], misspelt, { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(69);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 40 && / is set, but chut reads no environment variable/.test(l.msg)).map((l) => l.msg).sort();
    expect(warnings).toEqual([
      'CHUT_AMI_PASWORD is set, but chut reads no environment variable of that name: it is ignored (did you mean CHUT_AMI_PASSWORD?)',
      'CHUT_NO_SUCH_THING is set, but chut reads no environment variable of that name: it is ignored (config/chut.example.yaml lists those chut reads)',
      'CHUT_REDIS_UR is set, but chut reads no environment variable of that name: it is ignored (did you mean CHUT_REDIS_URL?)',
    ]);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });
});

describe('CHUT_REDIS_URL where another setting says there is no Redis to give', () => {
  // --redis is refused there; the variable is only warned of (an image may set a default URL), but no longer ignored
  // without a word.
  it('check-config warns that store: memory makes CHUT_REDIS_URL and CHUT_REDIS_PREFIX pointless, naming where memory came from', async () => {
    const variables = { CHUT_REDIS_URL: 'redis://:hunter2@10.0.0.9:6379', CHUT_REDIS_PREFIX: 'mine:' };
    const fromEnv = await runChut(['check-config', '--config', file('redis-env-memory.yaml', `policy: ${shippedPolicy}\n`)], { ...env, ...variables });
    expect([fromEnv.code, fromEnv.stderr]).toEqual([0, '']);
    expect(fromEnv.stdout).toMatch(/^configuration OK/);
    expect(fromEnv.stdout.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: CHUT_REDIS_URL is ignored: CHUT_STORE=memory, so chut uses no Redis. Unset CHUT_REDIS_URL, or set store: redis to use it',
      'warning: CHUT_REDIS_PREFIX is ignored: CHUT_STORE=memory, so chut uses no Redis. Unset CHUT_REDIS_PREFIX, or set store: redis to use it']);
    const config = file('redis-file-memory.yaml', `policy: ${shippedPolicy}\nstore: memory\n`);
    const fromFile = await runChut(['check-config', '--config', config], variables);
    expect([fromFile.code, fromFile.stderr]).toEqual([0, '']);
    expect(fromFile.stdout).toContain(`warning: CHUT_REDIS_URL is ignored: store: memory in ${config}, so chut uses no Redis.`);
    expect(fromEnv.stdout + fromEnv.stderr + fromFile.stdout + fromFile.stderr).not.toContain('hunter2');
  });

  it('chut run logs it as a warning at start', async () => {
    const config = file('redis-run-memory.yaml', `policy: ${shippedPolicy}\nesl:\n  enabled: true\n  listenHost: 192.0.2.1\nhttp:\n  port: 0\n`);
    const r = await runChut(['run', '--config', config], { ...env, CHUT_REDIS_URL: 'redis://10.0.0.9:6379' }, { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(69);
    expect(r.stderr.split('\n').filter((l) => l.includes('"level":40') && l.includes('CHUT_REDIS_URL is ignored'))).toHaveLength(1);
  });
});

describe('redis.url written beside redis.sentinel in the file (the URL is ignored: Sentinel says where Redis is)', () => {
  const sentinelAndUrl = `policy: ${shippedPolicy}\nredis:\n  url: redis://:hunter2@10.0.0.9:6379/2\n` +
    '  sentinel: { name: mymaster, hosts: [{ host: 10.0.0.11, port: 26379 }] }\n';

  it('check-config warns of it after its report (exit 0), never printing the URL; the shipped example, its Sentinel block commented out, stays warning-free', async () => {
    const config = file('sentinel-url.yaml', sentinelAndUrl);
    const r = await runChut(['check-config', '--config', config], env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^configuration OK/);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      `warning: redis.url in ${config} is ignored, with any password or database number in it: redis.sentinel, beside it, says where Redis ` +
        'is and wins over any URL (Redis\'s password goes in redis.sentinel.redisPassword, or redis.sentinel.password when the Sentinels ' +
        'share it). Remove redis.url, or remove redis.sentinel to use it']);
    expect(r.stdout).not.toContain('hunter2');
    const example = await runChut(['check-config', '--config', resolve('config/chut.example.yaml')], env);
    expect([example.code, example.stderr]).toEqual([0, '']);
    expect(example.stdout).toMatch(/^configuration OK/);
    expect(example.stdout).not.toMatch(/^(warning|note):/m);
  });

  it('chut run logs it as a warning at start', async () => {
    const config = file('sentinel-url-run.yaml', `${sentinelAndUrl}esl:\n  enabled: true\n  listenHost: 192.0.2.1\nhttp:\n  port: 0\n`);
    const r = await runChut(['run', '--config', config], env, { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(69);
    expect(r.stderr.split('\n').filter((l) => l.includes('"level":40') && l.includes('redis.url in') && l.includes('is ignored'))).toHaveLength(1);
    expect(r.stderr).not.toContain('hunter2');
  });
});
