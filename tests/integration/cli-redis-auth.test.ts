/** Credentials Redis refuses are a configuration error for the CLI (exit 78), said so, not "Redis is unreachable" (69). */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runChut } from '../helpers/cli.js';
import { testRedisUrl } from '../helpers/redis.js';
import { redisServerInstalled, startScratchRedis, type ScratchRedis } from '../helpers/redis-server.js';

// Each test here runs the built CLI as a child process: Node start-up alone is a second or more per run on a loaded
// 2-vCPU CI box (cli-report-since's one run took 2.9 s there), and a test runs up to ten. The 30 s default was within
// reach; a real hang still fails, two minutes in.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe('chut lookup with credentials Redis refuses', () => {
  it('a wrong user or password (WRONGPASS) exits 78 and says it is the configuration, without the password', async () => {
    const url = new URL(await testRedisUrl());
    url.username = 'nosuchuser';
    url.password = 'Hunter2Secret';
    const r = await runChut(['lookup', '0612345678'], { CHUT_REDIS_URL: url.toString() });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^chut lookup: Redis at redis:\/\/\*\*\*@\S+ \(from CHUT_REDIS_URL\) refused chut's credentials: WRONGPASS .*This is a configuration error, not an outage: check the password \(and user\) chut gives Redis\. Check CHUT_REDIS_URL/);
    expect(r.stderr).not.toMatch(/unreachable|Hunter2Secret/);
    expect(r.stderr).toContain('or user is disabled. This is a configuration error'); // Redis's own period, not "disabled.."
    expect(r.stdout).toBe('');
  });

  describe.skipIf(!redisServerInstalled())('against a Redis that wants a password', () => {
    let server: ScratchRedis;
    beforeAll(async () => { server = await startScratchRedis({ password: 'realpass' }); });
    afterAll(async () => { await server.stop(); });

    it('none given (NOAUTH) exits 78 too', async () => {
      const r = await runChut(['lookup', '0612345678', '--redis', `redis://127.0.0.1:${server.port}`]);
      expect(r.code).toBe(78);
      expect(r.stderr).toMatch(/\(from the --redis flag\) refused chut's credentials: NOAUTH .*configuration error.*Check the --redis URL\.\n$/);
    });
  });
});
