/** The environment variables chut would ignore without a word: what `chut check-config` and `chut run` warn of. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ignoredVariableWarnings, OTHER_CHUT_VARIABLES, unknownVariableWarnings } from '../../../src/cli/environment-warnings.js';
import { ENV_VARS, parseConfig } from '../../../src/config.js';

const ignoredEnding = ': it is ignored';

describe('unknownVariableWarnings', () => {
  it('names a CHUT_ variable chut does not read and the one it is a slip of, never its value', () => {
    expect(unknownVariableWarnings({ CHUT_API_TOKN: 'secret-token-value', PATH: '/bin', CHUT_API_TOKEN: 'x'.repeat(16) }))
      .toEqual([`CHUT_API_TOKN is set, but chut reads no environment variable of that name${ignoredEnding} (did you mean CHUT_API_TOKEN?)`]);
  });

  it('takes the prefix in any case (the environment\'s names are case-sensitive: chut_redis_url is not read)', () => {
    expect(unknownVariableWarnings({ chut_redis_url: 'redis://x' })).toEqual([
      `chut_redis_url is set, but chut reads no environment variable of that name${ignoredEnding} (did you mean CHUT_REDIS_URL?)`]);
  });

  it('suggests nothing for a name near none, or equally near two (CHUT_AXI_USER: CHUT_ARI_USER or CHUT_AMI_USER?)', () => {
    const none = `${ignoredEnding} (config/chut.example.yaml lists those chut reads)`;
    expect(unknownVariableWarnings({ CHUT_COLOUR: 'blue' })).toEqual([`CHUT_COLOUR is set, but chut reads no environment variable of that name${none}`]);
    expect(unknownVariableWarnings({ CHUT_AXI_USER: 'chut' })).toEqual([`CHUT_AXI_USER is set, but chut reads no environment variable of that name${none}`]);
  });

  it('tells a variable of the Asterisk dialplan (README: CHUT_WAIT_MS, CHUT_VM_DEFAULT, CHUT_RING_TARGET) where it belongs', () => {
    const warnings = unknownVariableWarnings({ CHUT_WAIT_MS: '3000', CHUT_VM_DEFAULT: '100@default', CHUT_RING_TARGET: 'phones,100,1' });
    expect(warnings).toHaveLength(3);
    for (const warning of warnings) {
      expect(warning).toMatch(/^CHUT_\w+ is set, but chut reads no environment variable of that name: it is ignored \(it is a variable of the Asterisk dialplan: set it there, in \[globals\] or on the channel/);
    }
  });

  it('shows an invisible character in a name as an escape, so that it cannot forge a line', () => {
    expect(unknownVariableWarnings({ 'CHUT_X\nwarning: forged': '1' })[0]).toMatch(/^CHUT_X\\u000awarning: forged is set/);
  });

  it('says nothing of the variables chut reads, those its own tools read, another prefix, or an empty one', () => {
    const env = Object.fromEntries([...ENV_VARS, ...Object.keys(OTHER_CHUT_VARIABLES)].map((name) => [name, '1']));
    expect(unknownVariableWarnings({ ...env, CHUTNEY: '1', MY_CHUT_URL: '1', CHUT_REDIS_UR: '' })).toEqual([]);
  });
});

describe('the CHUT_ variables that are no setting', () => {
  /** Every file under `dir` whose name ends in one of `endings`. */
  const files = (dir: string, endings: string[]): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => endings.some((e) => f.endsWith(e))).map((f) => join(dir, f));

  it('are exactly those something reads from the environment beside the settings: none is warned of, none listed in vain', () => {
    const read = new Set<string>();
    for (const path of [...files('src', ['.ts']), ...files('bench', ['.ts']), ...files('tests', ['.ts', '.mjs'])]) {
      for (const m of readFileSync(path, 'utf8').matchAll(/\benv(?:\.|\[')(CHUT_[A-Z_]+)/g)) read.add(m[1] as string);
    }
    for (const m of readFileSync('.ci/run', 'utf8').matchAll(/^export (CHUT_[A-Z_]+)=/gm)) read.add(m[1] as string);
    read.add('CHUT_BENCH_PEER'); // bench/peer.ts names it in a constant, DATA_ENV
    const settings = new Set(ENV_VARS);
    expect([...read].filter((name) => !settings.has(name)).sort()).toEqual(Object.keys(OTHER_CHUT_VARIABLES).sort());
  });
});

describe('ignoredVariableWarnings', () => {
  const sentinel = { name: 'mymaster', hosts: [{ host: '10.0.0.11', port: 26379 }] };

  it('says CHUT_REDIS_URL is ignored beside redis.sentinel, which --redis is refused for, never its value', () => {
    const config = parseConfig({ redis: { sentinel, url: 'redis://:hunter2@10.0.0.9:6379' } });
    const warnings = ignoredVariableWarnings(config, { CHUT_REDIS_URL: 'redis://:hunter2@10.0.0.9:6379', CHUT_REDIS_PREFIX: 'mine:' }, '/etc/chut/chut.yaml');
    expect(warnings).toEqual(['CHUT_REDIS_URL is ignored: redis.sentinel in /etc/chut/chut.yaml says where Redis is, and wins over any URL. ' +
      'Unset CHUT_REDIS_URL, or remove redis.sentinel to use it']);
  });

  it('says nothing where the variable is used, or is empty (read as unset)', () => {
    expect(ignoredVariableWarnings(parseConfig({}), { CHUT_REDIS_URL: 'redis://10.0.0.9:6379', CHUT_REDIS_PREFIX: 'mine:' }, null)).toEqual([]);
    expect(ignoredVariableWarnings(parseConfig({ redis: { sentinel } }), { CHUT_REDIS_URL: '' }, '/etc/chut/chut.yaml')).toEqual([]);
    expect(ignoredVariableWarnings(parseConfig({ store: 'memory' }), { CHUT_STORE: 'memory', CHUT_REDIS_URL: '' }, null)).toEqual([]);
  });
});
