/** Where the CLI's Redis came from, and why it did not answer: the errors name the setting to fix and the real cause. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyHint, redisOrigin } from '../../../src/cli/context.js';
import { unreachableCause } from '../../../src/cli/redis-failure.js';
import { loadConfig } from '../../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'chut-context-'));

describe('redisOrigin', () => {
  it('names the flag, the variable, the file or the default, in loadConfig\'s precedence', () => {
    const withUrl = join(dir, 'with-url.yaml');
    writeFileSync(withUrl, 'redis:\n  url: redis://10.0.0.5:6379\n');
    const without = join(dir, 'without-url.yaml');
    writeFileSync(without, 'log:\n  level: warn\n');
    const load = (file: string | null, env: Record<string, string>) => loadConfig({ file, env });
    expect(redisOrigin({ redis: 'redis://x' }, load(withUrl, { CHUT_REDIS_URL: 'redis://y' }), { CHUT_REDIS_URL: 'redis://y' }).from).toBe('the --redis flag');
    expect(redisOrigin({}, load(withUrl, { CHUT_REDIS_URL: 'redis://y' }), { CHUT_REDIS_URL: 'redis://y' })).toMatchObject({ from: 'CHUT_REDIS_URL', hint: expect.stringMatching(/^Check CHUT_REDIS_URL/) });
    expect(redisOrigin({}, load(withUrl, {}), {})).toEqual({ from: `redis.url in ${withUrl}`, hint: `Check redis.url in ${withUrl}, or set CHUT_REDIS_URL.` });
    const byDefault = redisOrigin({}, load(without, {}), {});
    expect(byDefault.from).toMatch(/^the default/);
    expect(byDefault.hint).toMatch(/--redis URL, CHUT_REDIS_URL or redis\.url/);
    expect(redisOrigin({}, load(null, {}), {}).from).toMatch(/^the default/);
  });
});

describe('policyHint', () => {
  it('says where a relative policy path is read from, and never that an absolute one is read from a directory', () => {
    const file = join(dir, 'chut.yaml');
    writeFileSync(file, 'log:\n  level: info\n');
    const absolute = join(dir, 'elsewhere', 'policy.yaml');
    expect(policyHint({ policy: 'nope.yaml' }, loadConfig({ file, env: {} }), {}, '/home/ops'))
      .toBe('--policy nope.yaml is read from the working directory, /home/ops: check the path');
    expect(policyHint({ policy: absolute }, loadConfig({ file, env: {} }), {}, '/home/ops')).toBe(`--policy ${absolute}: check the path`);
    const env = { CHUT_POLICY: absolute };
    expect(policyHint({}, loadConfig({ file, env }), env, '/home/ops')).toBe(`CHUT_POLICY=${absolute}: check the path`);
    const inFile = join(dir, 'absolute-policy.yaml');
    writeFileSync(inFile, `policy: ${absolute}\n`);
    expect(policyHint({}, loadConfig({ file: inFile, env: {} }), {}, '/home/ops'))
      .toBe(`the policy (policy: ${absolute}, in ${inFile}) is not there: check the path, or pass --policy FILE`);
  });
});

describe('unreachableCause', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' });

  it('shows the socket error the client\'s retry limit hides', () => {
    expect(unreachableCause(maxRetries, refused, { url: 'redis://127.0.0.1:1' }, 2500)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(unreachableCause(new Error('timed out'), undefined, { url: 'redis://10.9.9.9' }, 2500)).toBe('no answer within 2500 ms');
    expect(unreachableCause(new Error('timed out'), refused, { url: 'redis://127.0.0.1:1' }, 2500)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    // a reply from the server is the cause itself
    expect(unreachableCause(new Error('WRONGPASS invalid username-password pair or user is disabled.'), refused, { url: 'redis://:x@h' }, 2500)).toMatch(/^WRONGPASS/);
    // localhost: ::1 and 127.0.0.1 both refused, an AggregateError with no message of its own
    const both = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], ''), { code: 'ECONNREFUSED' });
    expect(unreachableCause(maxRetries, both, { url: 'redis://localhost:1' }, 2500)).toBe('connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1');
  });

  it('never shows the URL\'s password, even when an error quotes it', () => {
    const leaky = new Error('getaddrinfo ENOTFOUND redis://:hunter2%40x@nohost (password hunter2@x)');
    const text = unreachableCause(maxRetries, leaky, { url: 'redis://:hunter2%40x@nohost:6379' }, 2500);
    expect(text).not.toMatch(/hunter2/);
  });
});
