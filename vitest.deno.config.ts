import { defineConfig } from 'vitest/config';

/** `npm run test:deno`: the appliance under Deno 2 (test/deno/), kept out of the Node suite's run. */
export default defineConfig({
  test: {
    include: ['test/deno/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
