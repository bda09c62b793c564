import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';
import { ledgerDir, pendingObjects } from '../../../src/ledger/index.ts';
import { CERTIFY_WITH_CALLS_TIMEOUT_MS, type CertifyRun } from '../certification/run-certify.ts';
import { filesUnder, leakFinder, leaksUnder } from '../safety/leak-scan.ts';
import { catalogueIds, type Expectation, type Extra, type FaultRow, type FaultTable, type RunShape } from './types.ts';

/**
 * The call checks run for real (CLI, nginx, coturn, the double's call page, browsers) against the
 * good profile and each call fault profile: every call check gets its expected verdict, and the
 * diagnosis names the step that broke. Good runs Chromium, Firefox and the Chromium ↔ Firefox
 * pair (plus the phone); fault profiles run Chromium only (the browser adds nothing to the fault),
 * so the pair is not part of that run.
 */

const BROWSER_CALL_IDS = catalogueIds((id) => id.startsWith('call.')).filter((id) => id !== 'call.interop');
const GOOD_IDS = catalogueIds((id) => id.startsWith('call.') || id.startsWith('mobile.'));

/** The agreed not-run wording for a UI the suite could not drive (helper-common.md), on the double's Talk 22.0.2. */
const BUNDLE_MISSING = /^could not drive Talk 22\.0\.2's UI at step "A sees the conversation joined .*": Talk's script \/apps\/spreed\/js\/talk-call\.js \(HTTP 404\) did not load/;

const isCallOrMobile = (id: string) => /^(call|mobile)\./.test(id);

/** On the good profile the double shows the wizard to every fresh user, as Nextcloud 30–32 does. */
const WIZARD: Extra = {
  title: 'the first-run wizard is dismissed after each login, as its close button does, and recorded in evidence',
  assert: (run) => {
    const ran = run.report.checks.filter((x) => isCallOrMobile(x.id) && x.evidence['firstRunWizard']);
    expect(ran.length, 'call/mobile checks with a firstRunWizard record').toBeGreaterThan(0);
    for (const x of ran) {
      type Wizard = { status: number; seen: boolean; outcome: string };
      const w = x.evidence['firstRunWizard'] as Record<string, Wizard> | Wizard;
      const records = 'outcome' in w ? [w as Wizard] : Object.values(w);
      for (const r of records) {
        // The double shows the wizard to every fresh user (app enabled by default, as on Nextcloud 30–32).
        expect(r, `${x.id} (${x.project})`).toMatchObject({ status: 200, seen: true });
        expect(r.outcome).toMatch(/^dismissed \(DELETE 200\); the wizard was showing/);
      }
    }
  },
};

function evidenced(projects: string[]): Extra {
  return {
    title: 'the call is evidenced: screenshots attached, steps recorded, everything created removed',
    assert: (run: CertifyRun) => {
      const ran = run.report.checks.filter((x) => /^call\./.test(x.id) && projects.includes(x.project) && (x.verdict !== 'not-run' || x.evidence['couldNotDrive']));
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
    },
  };
}

function log(profile: string, projects: string[]) {
  return (run: CertifyRun) =>
    `${profile}: ${run.report.checks
      .filter((x) => isCallOrMobile(x.id) && projects.includes(x.project))
      .map((x) => `${x.id}(${x.project}) ${x.verdict} ${x.durationMs} ms`)
      .join(', ')}`;
}

/** Good, on one of the double's Talk UIs: both browsers, the pair and the phone. */
function good(ui: 'talk21' | 'talk22'): FaultRow {
  const projects = ['chromium', 'firefox', 'platform'];
  const run: RunShape = { browsers: ['chromium', 'firefox'], tags: ['call', 'mobile'], ui, timeoutMs: CERTIFY_WITH_CALLS_TIMEOUT_MS };
  return { profile: 'good', run, checks: GOOD_IDS, projects, expected: {}, extras: [WIZARD, evidenced(projects)], log: log(`good (${ui})`, projects) };
}

/**
 * The call checks type passwords into the login page and hold session cookies, Talk session ids
 * and TURN credentials in the browser; none of it may reach an output file. The signaling-broken
 * row runs with TALK_CERTIFY_SECRET_MARKER, so every such secret starts with the marker (the
 * throwaway users' passwords too: fixtures/call.ts), and its failing call run — failure
 * screenshots, evidence, traces, reports — is searched for it (../safety/leak-scan.ts).
 * tests/selftest/call/secrets.spec.ts shows the marker really is in the platform's cookies.
 */
export const CALL_SECRET_MARKER = 'TcCallLeak5w';
const NO_SECRET_LEAK: Extra = {
  title: 'the failing call run (screenshots, evidence, reports) holds no password, cookie, session id or TURN credential',
  assert: (run) => {
    const leakIn = leakFinder(CALL_SECRET_MARKER);
    expect(filesUnder(run.reportDir).filter((f) => f.endsWith('.png')).length, 'screenshots were written').toBeGreaterThan(0);
    expect(leaksUnder(run.reportDir, leakIn)).toEqual([]);
    expect(leakIn(run.output), 'console output').toBeNull();
  },
};

/** A fault profile: Chromium only. */
function fault(profile: string, expected: Record<string, Expectation>, options: { scanForSecrets?: boolean } = {}): FaultRow {
  const run: RunShape = {
    browsers: ['chromium'],
    tags: ['call'],
    projects: ['chromium'],
    timeoutMs: CERTIFY_WITH_CALLS_TIMEOUT_MS,
    ...(options.scanForSecrets ? { env: { TALK_CERTIFY_SECRET_MARKER: CALL_SECRET_MARKER } } : {}),
  };
  const extras = [evidenced(['chromium']), ...(options.scanForSecrets ? [NO_SECRET_LEAK] : [])];
  return { profile, run, checks: BROWSER_CALL_IDS, expected, extras, log: log(profile, ['chromium']) };
}

export const CALL_FAULTS: FaultTable = {
  area: 'call',
  rules: { observed: true },
  rows: [
    good('talk22'),
    // Talk 21's UI: #call_button, "Media settings" with Devices/Backgrounds buttons, the leave menu for moderators.
    good('talk21'),
    // The call page without Talk's JavaScript bundle: the page loads, nothing on it can be driven,
    // and the reason names the script that failed (5 s after it, not after the step's 30 s).
    fault('ui-bundle-missing', {
      'call.media': { verdict: 'not-run', reason: BUNDLE_MISSING },
      'call.relay': { verdict: 'not-run', reason: BUNDLE_MISSING },
      'call.blur': { verdict: 'not-run', reason: BUNDLE_MISSING },
      'call.blur.streaming': { verdict: 'not-run', reason: BUNDLE_MISSING },
    }),
    fault('blur-wasm-wrong-mime', {
      // Only the console shows it; blur itself works.
      'call.blur.streaming': { verdict: 'warn', diagnosis: /"wasm streaming compile failed" while blur loaded .*served as application\/octet-stream/ },
    }),
    fault('blur-assets-missing', {
      'call.blur': { verdict: 'fail', diagnosis: /blur files failed to load: .*\.wasm HTTP 40[14].*tflite compilation failed/ },
      'call.blur.streaming': { verdict: 'not-run', reason: /the blur \.wasm is not served at all/ },
    }),
    // call.media and call.relay fail (their failure artefacts kept), blur passes (its screenshots
    // attached): the richest output of a call run, searched for secrets.
    fault(
      'signaling-broken',
      {
        'call.media': { verdict: 'fail', diagnosis: /offer\/answer never completed|did not learn of each other through Talk's signaling/ },
        'call.relay': { verdict: 'fail', diagnosis: /offer\/answer never completed|did not learn of each other through Talk's signaling/ },
      },
      { scanForSecrets: true },
    ),
    fault('turn-blocked', {
      // The direct path still works; only the call that needs TURN fails.
      'call.relay': { verdict: 'fail', diagnosis: /no relay candidate was gathered, so Talk's TURN server did not answer/ },
    }),
  ],
};
