import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // one Redis container for the whole run where a Docker engine answers (tests/helpers/redis.ts says where else);
    // otherwise removes the keys that earlier test runs killed mid-way left in the local Redis
    globalSetup: ['tests/helpers/redis-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Protocol tests open real sockets and share one Redis: keep parallelism modest on a 2-core box.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
