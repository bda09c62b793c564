import path from 'node:path';
import { type PlaywrightTestConfig, type Project, defineConfig } from '@playwright/test';
import { detectBrowsers } from './src/browsers/detect.ts';
import { loadDotEnv, parseConfig } from './src/config/index.ts';
import { stateFilePath } from './src/targets/index.ts';
import type { BrowserOptions } from './fixtures/browser.ts';

/**
 * The certification. One project runs the checks that need no browser (`platform`), and one
 * project per browser asked for runs the browser checks; an absent browser keeps its project so
 * that its checks are reported as not run, with the reason.
 */
loadDotEnv();
const config = parseConfig(process.env);
// Workers load this file again; they must see the same run id as the main process.
process.env.TALK_RUN_ID = config.runId;

/** A check waits for network answers with its own named timeouts; this is the outer bound per check. */
const CHECK_TIMEOUT_MS = 90_000;
/** `expect.poll` / `toPass` default: the browser side of a check settles within seconds. */
const EXPECT_TIMEOUT_MS = 10_000;

const browserProjects: Project<BrowserOptions>[] = detectBrowsers(config.browsers).map((b) => ({
  name: b.name,
  grep: /@in-browser/,
  metadata: { talkBrowser: b.record },
  use: {
    talkBrowser: b.record,
    browserName: b.launch?.browserName ?? 'chromium',
    ...(b.launch?.channel ? { channel: b.launch.channel } : {}),
    launchOptions: {
      ...(b.launch?.executablePath ? { executablePath: b.launch.executablePath } : {}),
      ...(b.launch?.args ? { args: b.launch.args } : {}),
      ...(b.launch?.firefoxUserPrefs ? { firefoxUserPrefs: b.launch.firefoxUserPrefs } : {}),
    },
  },
}));

const reportDir = config.reportDir;

export default defineConfig<BrowserOptions>({
  testDir: './tests/certification',
  outputDir: path.join(reportDir, 'artifacts'),
  timeout: CHECK_TIMEOUT_MS,
  expect: { timeout: EXPECT_TIMEOUT_MS },
  fullyParallel: true,
  workers: config.workers,
  retries: config.retries,
  forbidOnly: true,
  globalSetup: './src/targets/global-setup.ts',
  reporter: [
    // First: traces are scrubbed of cookies, CSRF tokens and known secrets before the HTML and
    // Allure reporters copy them.
    ['./src/reporter/scrub-traces.ts'],
    ['./src/reporter/index.ts', { outputDir: reportDir, stateFile: stateFilePath(reportDir), runId: config.runId }],
    ['html', { outputFolder: path.join(reportDir, 'html'), open: 'never' }],
    ['allure-playwright', { resultsDir: path.join(reportDir, 'allure-results'), detail: false, suiteTitle: false }],
  ] satisfies PlaywrightTestConfig['reporter'],
  use: {
    // Traces can record request headers and typed values; screenshots and traces are kept only
    // for failures, checks never type a secret into a traced page, and src/reporter/scrub-traces.ts
    // removes cookies, CSRF tokens and known secrets from the traces that are kept. Every browser
    // check's spec turns the trace off (a worker option: the browser checks then share one worker
    // and one browser per project, issue 14; tests/selftest/unit/browser-workers.spec.ts), so the
    // traces kept are those of failed checks of the `platform` project.
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'platform', grep: /@in-node/, use: { talkBrowser: null } }, ...browserProjects],
});
