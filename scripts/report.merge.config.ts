import path from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Configuration of `playwright merge-reports` for `npm run report -- --merge DIR` (src/cli/report.ts):
 * the shards of a CI run each wrote a blob report; merged, they give one HTML report and one
 * certification (our reporter decides over every shard's checks at once, so a check that ran on
 * another machine is not reported as missing). Allure needs no merge: every shard's
 * allure-results files are unique and go into one folder.
 */
const reportDir = path.resolve(process.env.TALK_REPORT_DIR || 'reports');

export default defineConfig({
  // Same test folder as playwright.config.ts, so that test locations resolve as in the shards.
  testDir: '../tests/certification',
  reporter: [
    [
      '../src/reporter/index.ts',
      {
        outputDir: reportDir,
        // Global setup ran on each shard; report.ts points here at one shard's target state.
        stateFile: process.env.TALK_MERGE_STATE_FILE || path.join(reportDir, '.state', 'target.json'),
        // Empty: take the run id from the state file (the shards share TALK_RUN_ID).
        runId: '',
      },
    ],
    ['html', { outputFolder: path.join(reportDir, 'html'), open: 'never' }],
  ],
});
