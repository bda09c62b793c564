import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startReferencePlatform } from '../../../src/reference/index.ts';
import { CERTIFY_WITH_CALLS_TIMEOUT_MS, runCertify } from '../certification/run-certify.ts';
import { Client, NOT_ROOT, NOT_ROOT_REASON, WORK_DIR } from '../reference/helpers.ts';

/**
 * The call checks type passwords into the login page and hold session cookies, Talk session ids
 * and TURN credentials in the browser. None of it may reach an output file. With
 * TALK_CERTIFY_SECRET_MARKER set, every such secret of the run starts with the marker: the
 * reference users' passwords, the throwaway users' passwords (fixtures/call.ts), PHP session ids
 * and passphrases, Talk session ids (the double), the TURN secret. Then one search over every
 * file the run wrote (reports, HTML report with its screenshots, Allure results, artifacts, the
 * inside of zipped traces) and the console finds any leak. Approach of
 * tests/selftest/safety/secrets.spec.ts, on a call run that fails (so failure artefacts are kept).
 */
const MARKER = 'TcCallLeak5w';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function contentOf(file: string): string {
  const raw = readFileSync(file);
  if (raw.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return execFileSync('unzip', ['-p', file], { maxBuffer: 512 * 1024 * 1024 }).toString('latin1');
  }
  return raw.toString('latin1');
}

test.describe('call checks leak no secret', () => {
  test.skip(NOT_ROOT, NOT_ROOT_REASON);

  test('the session cookies of the reference platform carry the marker (so the scan is not vacuous)', async ({}, testInfo) => {
    process.env.TALK_CERTIFY_SECRET_MARKER = MARKER;
    try {
      const platform = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-callmark', workDir: path.join(WORK_DIR, testInfo.testId) });
      const client = new Client(platform.url, platform.caFile);
      try {
        const login = await client.req('GET', 'login');
        expect(login.status).toBe(200);
        const session = [...client.cookies].filter(([k]) => /^oc/.test(k));
        expect(session.length, 'session cookie and passphrase').toBeGreaterThanOrEqual(2);
        for (const [k, v] of session) expect(v.startsWith(MARKER), `${k}`).toBe(true);
      } finally {
        await client.close();
        await platform.stop();
      }
    } finally {
      delete process.env.TALK_CERTIFY_SECRET_MARKER;
    }
  });

  test('a failing call run (screenshots, evidence, reports) contains no password, cookie or session id', async () => {
    test.setTimeout(CERTIFY_WITH_CALLS_TIMEOUT_MS + 30_000);
    // signaling-broken: call.media and call.relay fail (failure artefacts kept), blur passes
    // (its screenshots attached), mobile.web logs in on a phone.
    const run = await runCertify(
      { TALK_PROFILE: 'signaling-broken', TALK_BROWSERS: 'chromium', TALK_CERTIFY_SECRET_MARKER: MARKER },
      ['--', '--grep', '@call|@mobile', '--project', 'chromium', '--project', 'platform'],
      CERTIFY_WITH_CALLS_TIMEOUT_MS,
    );
    const checks = run.report.checks.filter((c) => c.id.startsWith('call.') || c.id.startsWith('mobile.'));
    expect(checks.find((c) => c.id === 'call.media' && c.browser === 'chromium')?.verdict, run.output).toBe('fail');
    // Throwaway users (their passwords carry the marker) logged in through the page.
    expect(JSON.stringify(checks.find((c) => c.id === 'call.media')?.evidence)).toContain('"mode":"provisioned"');
    const files = filesUnder(run.reportDir);
    expect(files.filter((f) => f.endsWith('.png')).length, 'screenshots were written').toBeGreaterThan(0);
    const leaks = files.filter((f) => contentOf(f).includes(MARKER)).map((f) => path.relative(run.reportDir, f));
    expect(leaks).toEqual([]);
    expect(run.output.includes(MARKER), 'console output').toBe(false);
  });
});
