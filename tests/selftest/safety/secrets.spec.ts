import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startReferencePlatform } from '../../../src/reference/index.ts';
import { runCertify } from '../certification/run-certify.ts';
import { contentOf, filesUnder, leakFinder, leaksUnder } from './leak-scan.ts';

/**
 * No secret of a run (passwords, TURN secret, control token) appears in anything the run writes:
 * console output, certification.json/.md, the HTML report, Allure results, screenshots, traces.
 * Every secret of the reference platform starts with a marker here, so one search finds them all;
 * zipped artefacts (traces) are searched inside (./leak-scan.ts).
 */
const MARKER = 'TcLeakMarker7q';

const leakIn = leakFinder(MARKER);

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
  // http-only fails browser checks, so Playwright keeps their screenshots, and node checks (the
  // https area), whose traces are kept: browser checks run untraced (issue 14). The richest output.
  // Left out for time: the load area only repeats the chat calls other checks make, for a minute;
  // the call checks wait out their 30 s steps here (no camera without a secure context), and their
  // secrets (typed passwords, throwaway users, TURN credentials) are searched for in a failing call
  // run of their own (tests/selftest/call/secrets.spec.ts). mobile.web still logs in on a phone here.
  const run = await runCertify({ TALK_PROFILE: 'http-only', TALK_BROWSERS: 'chromium', TALK_CERTIFY_SECRET_MARKER: MARKER }, ['--', '--grep-invert', '@load|@call']);
  const files = filesUnder(run.reportDir);
  const rel = (f: string) => path.relative(run.reportDir, f);
  // Every kind of output is there, so the scan below covers it (not vacuous).
  expect(
    files.some((f) => f.endsWith('.zip')),
    'a trace was kept',
  ).toBe(true);
  expect(
    files.some((f) => f.endsWith('.png')),
    'a screenshot was kept',
  ).toBe(true);
  expect(
    files.some((f) => rel(f).startsWith('allure-results')),
    'Allure results were written',
  ).toBe(true);
  expect(
    files.some((f) => rel(f) === path.join('html', 'index.html')),
    'the HTML report was written',
  ).toBe(true);
  expect(files.some((f) => f.endsWith('certification.json'))).toBe(true);
  expect(contentOf(path.join(run.reportDir, 'html', 'index.html')), 'the HTML report data was unpacked').toContain('"projectNames"');
  expect(leaksUnder(run.reportDir, leakIn)).toEqual([]);
  expect(leakIn(run.output), 'console output').toBeNull();
});

test('the scan finds the marker in every form it looks for (so a clean scan means something)', () => {
  const secret = `${MARKER}abc123`;
  expect(leakIn(`password=${secret}`)).toBe('marker');
  for (const prefix of ['', 'a', 'al', 'alice:']) {
    expect(leakIn(`Authorization: Basic ${Buffer.from(`${prefix}${secret}`).toString('base64')}`), prefix).toMatch(/^marker in base64/);
  }
  expect(leakIn(Buffer.from(`{"user":"alice:${secret}"}`).toString('base64url'))).toMatch(/^marker in base64/);
  expect(leakIn('{"urls":["turn:10.213.1.3:443"],"username":"1764000000:alice","credential":"k3QwZ9mYb2Vx0c1T7Jr8uWq+PzM="}')).toMatch(/^TURN credential/);
  expect(leakIn('{"credential":"<redacted>"}')).toBeNull();
  expect(leakIn('{\\"credential\\":\\"k3QwZ9mYb2Vx0c1T7Jr8uWq\\/PzM=\\"}')).toMatch(/^TURN credential/);
  expect(leakIn('{"turnServers":2,"credentialTtl":86400}')).toBeNull();
});
