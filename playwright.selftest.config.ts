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
  // One self-test at a time. Each reference platform creates and deletes a network interface in
  // the host namespace, and Chromium aborts every request in flight when an interface changes
  // (net::ERR_NETWORK_CHANGED): two certification runs side by side would break each other's
  // browser checks. A single certification (npm run certify) has no such churn: its platform is
  // up before the browsers start and goes after they close. Each run still uses 2 workers inside.
  workers: 1,
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
