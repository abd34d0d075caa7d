/** A redis.url the file writes beside redis.sentinel is ignored: what `chut check-config` and `chut run` warn of. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sentinelUrlWarnings } from '../../../src/cli/sentinel-url.js';
import { loadConfig } from '../../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'chut-sentinel-url-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const example = readFileSync(resolve('config/chut.example.yaml'), 'utf8');
/** The example with its Sentinel block (commented out as shipped) switched on, as an administrator does it. */
function withSentinelOn(text: string): string {
  const start = text.indexOf('  # sentinel:');
  const end = text.indexOf('\n\n', start);
  expect(start).toBeGreaterThan(0);
  return text.slice(0, start) + text.slice(start, end).replace(/^ {2}# /gm, '  ') + text.slice(end);
}

function warningsFor(text: string, env: Record<string, string> = {}): string[] {
  const file = join(dir, 'chut.yaml');
  writeFileSync(file, text);
  return sentinelUrlWarnings(loadConfig({ file, env, cwd: dir }));
}

describe('sentinelUrlWarnings', () => {
  it('says nothing of the shipped example: its url is used, its Sentinel block commented out', () => {
    expect(sentinelUrlWarnings(loadConfig({ file: resolve('config/chut.example.yaml'), env: {} }))).toEqual([]);
    expect(warningsFor(example)).toEqual([]);
  });

  it('says the file\'s redis.url is ignored once its Sentinel block is switched on beside it, never the URL (it may hold a password)', () => {
    const file = join(dir, 'chut.yaml');
    const warning = `redis.url in ${file} is ignored, with any password or database number in it: redis.sentinel, beside it, says where ` +
      'Redis is and wins over any URL (Redis\'s password goes in redis.sentinel.redisPassword, or redis.sentinel.password when ' +
      'the Sentinels share it). Remove redis.url, or remove redis.sentinel to use it';
    expect(warningsFor(withSentinelOn(example))).toEqual([warning]);
    const withPassword = withSentinelOn(example).replace('url: redis://127.0.0.1:6379', 'url: redis://:hunter2@10.0.0.9:6379/2');
    expect(warningsFor(withPassword)).toEqual([warning]);
  });

  it('says nothing where the file writes only one of them: the default URL, or a URL from the environment (warned of on its own)', () => {
    const sentinel = 'redis:\n  sentinel: { name: mymaster, hosts: [{ host: 10.0.0.11, port: 26379 }] }\n';
    expect(warningsFor(sentinel)).toEqual([]);
    expect(warningsFor(sentinel, { CHUT_REDIS_URL: 'redis://10.0.0.9:6379' })).toEqual([]);
    expect(warningsFor('redis:\n  url: redis://10.0.0.9:6379\n')).toEqual([]);
    expect(sentinelUrlWarnings(loadConfig({ file: null, env: { CHUT_REDIS_URL: 'redis://10.0.0.9:6379' }, cwd: dir }))).toEqual([]);
  });
});
