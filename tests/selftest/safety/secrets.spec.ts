import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startReferencePlatform } from '../../../src/reference/index.ts';
import { runCertify } from '../certification/run-certify.ts';

/**
 * No secret of a run (passwords, TURN secret, control token) appears in anything the run writes:
 * console output, certification.json/.md, the HTML report, Allure results, screenshots, traces.
 * Every secret of the reference platform starts with a marker here, so one search finds them all;
 * zipped artefacts (traces) are searched inside.
 */
const MARKER = 'TcLeakMarker7q';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function contentOf(file: string): string {
  const raw = readFileSync(file);
  // Playwright traces and the HTML report's embedded traces are zip archives.
  if (raw.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return execFileSync('unzip', ['-p', file], { maxBuffer: 512 * 1024 * 1024 }).toString('latin1');
  }
  return raw.toString('latin1');
}

test('the marker really ends up in the reference platform secrets (so the scan below is not vacuous)', async ({}, testInfo) => {
  process.env.TALK_CERTIFY_SECRET_MARKER = MARKER;
  try {
    const platform = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-marker', workDir: path.join(testInfo.outputDir, 'platform') });
    try {
      expect(platform.users.alice.password.startsWith(MARKER)).toBe(true);
      expect(platform.turn.secret.startsWith(MARKER)).toBe(true);
      expect(platform.control.token.startsWith(MARKER)).toBe(true);
    } finally {
      await platform.stop();
    }
  } finally {
    delete process.env.TALK_CERTIFY_SECRET_MARKER;
  }
});

test('a certification with failures (traces and screenshots kept) leaks no secret into any output file', async () => {
  // http-only fails browser checks, so Playwright keeps traces and screenshots: the richest output.
  // The load area only repeats the chat calls other checks make, for a minute: left out for time.
  const run = await runCertify({ TALK_PROFILE: 'http-only', TALK_BROWSERS: 'chromium', TALK_CERTIFY_SECRET_MARKER: MARKER }, ['--', '--grep-invert', '@load']);
  const files = filesUnder(run.reportDir);
  expect(files.some((f) => f.endsWith('.zip')), 'a trace was kept').toBe(true);
  expect(files.some((f) => f.endsWith('certification.json'))).toBe(true);
  const leaks = files.filter((f) => contentOf(f).includes(MARKER)).map((f) => path.relative(run.reportDir, f));
  expect(leaks).toEqual([]);
  expect(run.output.includes(MARKER), 'console output').toBe(false);
});
