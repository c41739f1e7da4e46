import { defineConfig } from 'vitest/config';
import { REPORT_DIR } from './test/stall-watchdog.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Run under Deno by `npm run test:deno` (vitest.deno.config.ts).
    exclude: ['test/deno/**', '**/node_modules/**'],
    // Real servers, real clients and a real browser: generous per-test time, and files run
    // in separate processes two at a time (the machine has two cores).
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // A worker that never finishes its file is reported and ended by test/stall-watchdog.ts;
    // the diagnostic report it asks for (SIGUSR2) shows where its JavaScript stood.
    execArgv: ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${REPORT_DIR}`],
    reporters: ['default', './test/stall-watchdog.ts', './test/summary-reporter.ts'],
  },
});
