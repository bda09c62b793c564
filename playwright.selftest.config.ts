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
  // Each project sets its own number of workers (below); this is the most any of them uses.
  workers: 4,
  forbidOnly: true,
  retries: 0,
  reporter: [['list'], ['./tests/selftest/summary-reporter.ts']],
  projects: [
    // One self-test at a time. Each reference platform creates and deletes a network interface in
    // the host namespace, and Chromium aborts every request in flight when an address appears or
    // goes on the host (net::ERR_NETWORK_CHANGED): two certification runs side by side would break
    // each other's browser checks. A single certification (npm run certify) has no such churn: its
    // platform is up before the browsers start and goes after they close.
    { name: 'selftest', testIgnore: ['load/**', 'faults/*.spec.ts', 'hpb/faults.spec.ts'], workers: 1 },
    // The fault tables, two spec files at a time: faults/faults.spec.ts (certification and call
    // runs, browser-heavy) in one worker, faults/light.spec.ts then hpb/faults.spec.ts (turn,
    // database, TLS, HPB: mostly waiting for timeouts) in the other. Their platforms use networks
    // made before either starts and kept standing until the end (faults/networks.setup.ts), so no
    // address changes on the host under the other run's browsers.
    { name: 'networks', testMatch: ['faults/networks.setup.ts'], dependencies: ['selftest'], teardown: 'networks-teardown' },
    { name: 'networks-teardown', testMatch: ['faults/networks.teardown.ts'] },
    { name: 'faults', testMatch: ['faults/faults.spec.ts', 'faults/light.spec.ts', 'hpb/faults.spec.ts'], dependencies: ['networks'], workers: 2 },
    // The load fault table (tests/selftest/faults/load.ts) and the real-PHP cost cases
    // (load/real-php.spec.ts): they start no browser, so interface churn breaks nothing, and each
    // measures a light load (20 participants, 2 msg/s; mostly held polls: about a third of a core
    // for two) against its own platform or double. Four at a time, after every browser run: a
    // latency never shares the 2 cores with a browser.
    { name: 'load', testMatch: ['load/faults.spec.ts', 'load/real-php.spec.ts'], dependencies: ['faults'], workers: 4 },
    // The load benchmark measures CPU and latency: alone, after the rest.
    { name: 'timing', testMatch: ['load/bench.spec.ts'], dependencies: ['load'], workers: 1 },
  ],
});
