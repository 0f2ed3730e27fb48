// Unit specs run in parallel; integration specs each start their own nats-server and service.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: integration files that start servers would only fight each other.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
