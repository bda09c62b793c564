import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ledgerDir, pendingObjects } from '../../../src/ledger/index.ts';
import type { CheckResult, Verdict } from '../../../src/verdict/types.ts';
import { CERTIFY_WITH_CALLS_TIMEOUT_MS, type CertifyRun, runCertify } from '../certification/run-certify.ts';

/**
 * The call checks run for real (CLI, nginx, coturn, the double's call page, browsers) against the
 * good profile and each call fault profile: every call check gets its expected verdict, and the
 * diagnosis names the step that broke. Good runs Chromium, Firefox and the Chromium ↔ Firefox
 * pair (plus the phone); fault profiles run Chromium only (the browser adds nothing to the fault),
 * so the pair is reported not part of that run.
 */
type Expectation = { verdict: Verdict; diagnosis?: RegExp; reason?: RegExp };

const BROWSER_CALL_IDS = ['call.media', 'call.relay', 'call.blur', 'call.blur.streaming'];

interface CallCase {
  profile: string;
  /** The double's Talk UI profile (TALK_REFERENCE_UI); default talk22 (Talk 22.0.2). */
  ui?: 'talk20' | 'talk21' | 'talk22';
  browsers: string;
  /** Playwright options narrowing the run. */
  args: string[];
  /** Checks (id, or `id@project`) that do not pass; every other call check in `projects` must pass. */
  expected: Record<string, Expectation>;
  projects: string[];
}

const CHROMIUM_ONLY = ['--', '--grep', '@call', '--project', 'chromium'];

/** The agreed not-run wording for a UI the suite could not drive (helper-common.md), on the double's Talk 22.0.2. */
const COULD_NOT_DRIVE_22 = /^could not drive Talk 22\.0\.2's UI at step "/;

const CASES: CallCase[] = [
  {
    profile: 'good',
    ui: 'talk22',
    browsers: 'chromium,firefox',
    args: ['--', '--grep', '@call|@mobile'],
    projects: ['chromium', 'firefox', 'platform'],
    expected: {},
  },
  {
    // Talk 21's UI: #call_button, "Media settings" with Devices/Backgrounds buttons, the leave menu for moderators.
    profile: 'good',
    ui: 'talk21',
    browsers: 'chromium,firefox',
    args: ['--', '--grep', '@call|@mobile'],
    projects: ['chromium', 'firefox', 'platform'],
    expected: {},
  },
  {
    // The call page without Talk's JavaScript bundle: the page loads, nothing on it can be driven.
    profile: 'ui-bundle-missing',
    browsers: 'chromium',
    args: CHROMIUM_ONLY,
    projects: ['chromium'],
    expected: {
      'call.media': { verdict: 'not-run', reason: COULD_NOT_DRIVE_22 },
      'call.relay': { verdict: 'not-run', reason: COULD_NOT_DRIVE_22 },
      'call.blur': { verdict: 'not-run', reason: COULD_NOT_DRIVE_22 },
      'call.blur.streaming': { verdict: 'not-run', reason: COULD_NOT_DRIVE_22 },
    },
  },
  {
    profile: 'blur-wasm-wrong-mime',
    browsers: 'chromium',
    args: CHROMIUM_ONLY,
    projects: ['chromium'],
    expected: {
      // Only the console shows it; blur itself works.
      'call.blur.streaming': { verdict: 'warn', diagnosis: /"wasm streaming compile failed" while blur loaded .*served as application\/octet-stream/ },
    },
  },
  {
    profile: 'blur-assets-missing',
    browsers: 'chromium',
    args: CHROMIUM_ONLY,
    projects: ['chromium'],
    expected: {
      'call.blur': { verdict: 'fail', diagnosis: /blur files failed to load: .*\.wasm HTTP 40[14].*tflite compilation failed/ },
      'call.blur.streaming': { verdict: 'not-run', reason: /the blur \.wasm is not served at all/ },
    },
  },
  {
    profile: 'signaling-broken',
    browsers: 'chromium',
    args: CHROMIUM_ONLY,
    projects: ['chromium'],
    expected: {
      'call.media': { verdict: 'fail', diagnosis: /offer\/answer never completed|did not learn of each other through Talk's signaling/ },
      'call.relay': { verdict: 'fail', diagnosis: /offer\/answer never completed|did not learn of each other through Talk's signaling/ },
    },
  },
  {
    profile: 'turn-blocked',
    browsers: 'chromium',
    args: CHROMIUM_ONLY,
    projects: ['chromium'],
    expected: {
      // The direct path still works; only the call that needs TURN fails.
      'call.relay': { verdict: 'fail', diagnosis: /no relay candidate was gathered, so Talk's TURN server did not answer/ },
    },
  },
];

function expectationFor(c: CallCase, x: CheckResult): Expectation {
  return c.expected[`${x.id}@${x.project}`] ?? c.expected[x.id] ?? { verdict: 'pass' };
}

for (const c of CASES) {
  test.describe(`call on reference profile ${c.profile}${c.ui ? ` with UI ${c.ui}` : ''}`, () => {
    let run: CertifyRun;
    test.beforeAll(async () => {
      test.setTimeout(CERTIFY_WITH_CALLS_TIMEOUT_MS + 30_000);
      run = await runCertify({ TALK_PROFILE: c.profile, TALK_BROWSERS: c.browsers, ...(c.ui ? { TALK_REFERENCE_UI: c.ui } : {}) }, c.args, CERTIFY_WITH_CALLS_TIMEOUT_MS);
    });
    test.afterAll(() =>
      console.log(
        `${c.profile}: ${run?.report.checks
          .filter((x) => /^(call|mobile)\./.test(x.id) && c.projects.includes(x.project))
          .map((x) => `${x.id}(${x.project}) ${x.verdict} ${x.durationMs} ms`)
          .join(', ')}`,
      ),
    );

    test('every call check gets its expected verdict and diagnosis', () => {
      const ran = run.report.checks.filter((x) => /^(call|mobile)\./.test(x.id) && c.projects.includes(x.project));
      const expectedCount = BROWSER_CALL_IDS.length * c.projects.filter((p) => p !== 'platform').length + (c.projects.includes('platform') ? 2 : 0);
      expect(ran.length, run.output).toBe(expectedCount);
      const problems: string[] = [];
      for (const x of ran) {
        const e = expectationFor(c, x);
        const where = `${x.id} (${x.project})`;
        if (x.verdict !== e.verdict) problems.push(`${where}: expected ${e.verdict}, got ${x.verdict} — ${x.diagnosis ?? x.reason ?? x.observed}`);
        else if (e.diagnosis && !e.diagnosis.test(x.diagnosis ?? '')) problems.push(`${where}: diagnosis "${x.diagnosis}" does not match ${e.diagnosis}`);
        else if (e.reason && !e.reason.test(x.reason ?? '')) problems.push(`${where}: reason "${x.reason}" does not match ${e.reason}`);
        if (x.verdict !== 'not-run' && !x.observed) problems.push(`${where}: no observed value`);
      }
      expect(problems, run.output).toEqual([]);
    });

    // On the good profile the double shows the wizard to every fresh user, as Nextcloud 30–32 does.
    if (c.profile === 'good') test('the first-run wizard is dismissed after each login, as its close button does, and recorded in evidence', () => {
      const ran = run.report.checks.filter((x) => /^(call|mobile)\./.test(x.id) && c.projects.includes(x.project) && x.evidence['firstRunWizard']);
      expect(ran.length, 'call/mobile checks with a firstRunWizard record').toBeGreaterThan(0);
      for (const x of ran) {
        const w = x.evidence['firstRunWizard'] as Record<string, { status: number; seen: boolean; outcome: string }> | { status: number; seen: boolean; outcome: string };
        const records = 'outcome' in w ? [w as { status: number; seen: boolean; outcome: string }] : Object.values(w);
        for (const r of records) {
          // The double shows the wizard to every fresh user (app enabled by default, as on Nextcloud 30–32).
          expect(r, `${x.id} (${x.project})`).toMatchObject({ status: 200, seen: true });
          expect(r.outcome).toMatch(/^dismissed \(DELETE 200\); the wizard was showing/);
        }
      }
    });

    test('the call is evidenced: screenshots attached, steps recorded, everything created removed', () => {
      const ran = run.report.checks.filter((x) => /^call\./.test(x.id) && c.projects.includes(x.project) && (x.verdict !== 'not-run' || x.evidence['couldNotDrive']));
      for (const x of ran) {
        const ev = x.evidence as { users?: { mode: string }; conversation?: { token: string } };
        expect(ev.users?.mode, `${x.id} (${x.project}) users`).toBe('provisioned');
      }
      // The ledger of the run: every user and conversation created was deleted.
      expect(run.output).not.toMatch(/could not delete what this call check created/);
      expect(pendingObjects(ledgerDir(run.reportDir))).toEqual([]);
      // A UI that could not be driven: each such check names its screenshot.
      for (const x of ran.filter((r) => r.verdict === 'not-run')) {
        const cnd = x.evidence['couldNotDrive'] as { step: string; screenshots: string[] };
        expect(cnd.screenshots.length, `${x.id} (${x.project}) could-not-drive screenshot`).toBeGreaterThan(0);
      }
      if (ran.some((r) => r.verdict === 'not-run')) expect(run.report.summary.status, 'a must check not run: incomplete, never not-certified').toBe('incomplete');
      // Screenshots of the call and of the blur state reach the HTML report.
      const pngs = readdirSync(path.join(run.reportDir, 'html', 'data')).filter((f) => f.endsWith('.png'));
      expect(pngs.length, 'screenshots in the HTML report').toBeGreaterThanOrEqual(ran.length);
    });
  });
}
