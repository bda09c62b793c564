import { defineConfig } from '@playwright/test';

/**
 * The suite testing itself (`npm test`): unit tests of src/, the reference platform's own
 * integration tests, the reporter run on tiny projects, and the certification run against every
 * reference profile in child processes (the good profile must pass, each fault profile must fail
 * exactly its checks). Browsers are launched only by those child runs.
 */
export default defineConfig({
  testDir: './tests/selftest',
  outputDir: './reports/selftest-artifacts',
  // A certification child run starts a platform and two browsers: about a minute on 2 cores.
  timeout: 240_000,
  expect: { timeout: 10_000 },
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [['list'], ['./tests/selftest/summary-reporter.ts']],
  projects: [
    { name: 'selftest', testIgnore: ['load/**'] },
    // Checks that measure latency must not share 2 cores with browser runs: they run after
    // everything else, one file at a time.
    { name: 'timing', testMatch: ['load/**/*.spec.ts'], dependencies: ['selftest'], fullyParallel: false },
  ],
});
