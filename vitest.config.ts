import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Protocol tests open real sockets and share one Redis: keep parallelism modest on a 2-core box.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
