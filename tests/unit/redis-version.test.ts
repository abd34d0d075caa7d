import { describe, expect, it } from 'vitest';
import { redisVersionOf, tooOldRedis } from '../../src/redis-version.js';

describe('redisVersionOf', () => {
  it('reads redis_version from an INFO server reply', () => {
    expect(redisVersionOf('# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n')).toBe('7.0.15');
    expect(redisVersionOf('# Server\nredis_version:6.0.16\n')).toBe('6.0.16');
    expect(redisVersionOf('redis_version:255.255\r\n')).toBe('255.255');
  });
  it('is null when the reply holds no version (INFO trimmed or renamed by a host)', () => {
    expect(redisVersionOf('')).toBeNull();
    expect(redisVersionOf('# Server\r\nredis_mode:standalone\r\n')).toBeNull();
    expect(redisVersionOf('x_redis_version:7.0.0\r\n')).toBeNull();
    expect(redisVersionOf('redis_version:seven\r\n')).toBeNull();
  });
});

describe('tooOldRedis', () => {
  it('refuses Redis before 6.2, saying which version and what to do', () => {
    expect(tooOldRedis('6.0.16')).toBe('Redis 6.0.16 is too old: chut needs Redis 6.2 or later (its scripts use ZADD GT and LT). ' +
      'Upgrade Redis (Debian 12 and Ubuntu 24.04 ship Redis 7).');
    expect(tooOldRedis('5.0.14')).toMatch(/^Redis 5\.0\.14 is too old/);
    expect(tooOldRedis('6.1.99')).toMatch(/too old/);
  });
  it('takes 6.2 and later', () => {
    for (const v of ['6.2.0', '6.2', '7.0.15', '7.4.1', '8.0.0', '10.0.0']) expect(tooOldRedis(v)).toBeNull();
  });
});
