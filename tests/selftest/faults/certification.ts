import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';
import { CHECKS } from '../../../src/verdict/catalogue.ts';
import { EXIT_CERTIFIED, EXIT_INCOMPLETE, EXIT_NOT_CERTIFIED } from '../../../src/verdict/outcome.ts';
import { CERTIFY_WITH_CALLS_TIMEOUT_MS, type CertifyRun } from '../certification/run-certify.ts';
import { catalogueIds, type Expectation, type FaultRow, type FaultTable, type RunShape } from './types.ts';

/**
 * The certification run for real (`npm run certify`'s CLI, real nginx, coturn, browsers) against
 * each reference profile. The good profile must pass every check; each fault profile must fail
 * exactly the checks it breaks, with the diagnosis in the evidence, while every other check still
 * passes. A check that cannot fail, or that fails for the wrong reason, shows up here.
 */

const BROWSERS = ['chromium', 'firefox'];

/** The areas these profiles break; fault profiles run only them (the good profile runs everything). */
const AREAS = ['https', 'browser', 'talk', 'blur'];

/**
 * The good profile runs every check but the load area, whose latency thresholds are certified by
 * tests/selftest/load in the `timing` project, away from concurrent browser runs; it runs the call
 * checks too (real calls): more time than a fault profile.
 */
const GOOD_RUN: RunShape = { browsers: BROWSERS, tags: 'all-but-load', timeoutMs: CERTIFY_WITH_CALLS_TIMEOUT_MS };
/** Fault profiles run only AREAS. */
const AREAS_RUN: RunShape = { browsers: BROWSERS, tags: AREAS };
/** Every area (issue 12 point 5: talk-missing). */
const ALL_RUN: RunShape = { browsers: BROWSERS, tags: 'all' };

const GOOD_CHECKS = catalogueIds((id) => !id.startsWith('load.'));
const AREA_CHECKS = catalogueIds((id) => AREAS.includes(id.split('.')[0]!));
const ALL_CHECKS = catalogueIds(() => true);

/**
 * Not a failure of these profiles but true of every reference platform: Talk's internal signaling
 * (no high-performance backend) is a warning by design (talk.signaling.hpb).
 */
const INTERNAL_SIGNALING: Record<string, Expectation> = { 'talk.signaling.hpb': { verdict: 'warn', diagnosis: /internal signaling/ } };
/** Issue 13: with internal signaling there is no HPB to test, so the HPB checks are not-applicable (tests/certification/talk/hpb.ts). */
Object.assign(INTERNAL_SIGNALING, {
  'talk.hpb.welcome': { verdict: 'not-applicable', reason: /internal signaling/ },
  'talk.hpb.websocket': { verdict: 'not-applicable', reason: /internal signaling/ },
  'talk.hpb.hello': { verdict: 'not-applicable', reason: /internal signaling/ },
  'talk.hpb.room': { verdict: 'not-applicable', reason: /internal signaling/ },
  'talk.hpb.mcu': { verdict: 'not-applicable', reason: /internal signaling/ },
  'talk.hpb.media': { verdict: 'not-applicable', reason: /internal signaling/ },
  'talk.hpb.idle': { verdict: 'not-applicable', reason: /internal signaling/ },
});

/** What each blur-file fault breaks; the call's blur-* profiles break exactly what their asset twins do. */
const WASM_WRONG_MIME: Record<string, Expectation> = {
  'blur.assets.wasm.mime': { verdict: 'warn', diagnosis: /served as application\/octet-stream/ },
  'blur.browser.wasm-streaming': { verdict: 'warn', diagnosis: /wasm streaming compile failed/ },
};
const WASM_MISSING: Record<string, Expectation> = {
  'blur.assets.wasm.served': { verdict: 'fail', diagnosis: /is not served \(HTTP 401\)/ },
  'blur.assets.wasm.mime': { verdict: 'warn', diagnosis: /application\/json.*HTTP 401/ },
  'blur.browser.wasm-compiles': { verdict: 'fail', diagnosis: /does not compile in this browser/ },
  'blur.browser.wasm-streaming': { verdict: 'warn', diagnosis: /wasm streaming compile failed/ },
};
const TFLITE_MISSING: Record<string, Expectation> = {
  'blur.assets.tflite.served': { verdict: 'fail', diagnosis: /selfie_segmentation_landscape\.tflite is not served \(HTTP 401\)/ },
};

/** Without Talk: what needs a Talk conversation or page is not run, citing talk.installed. */
const NEEDS_TALK = /Talk is not (installed|available)[\s\S]*see talk\.installed|Talk is not installed/;
const TALK_MISSING_NOT_RUN: Record<string, Expectation> = Object.fromEntries(
  [
    'turn.configured',
    'turn.port.standard',
    'turn.port.443',
    'turn.allocation',
    'turn.relay.udp',
    'turn.relay.tcp',
    'turn.relay.tls',
    'turn.relay.restricted',
    'call.media',
    'call.relay',
    'call.interop',
    'call.blur',
    'call.blur.streaming',
    'mobile.web',
    'database.utf8mb4',
    'load.longpoll.no-starvation',
    'load.longpoll.not-cut',
    'load.chat.under-load',
  ].map((id) => [id, { verdict: 'not-run', reason: NEEDS_TALK }]),
);
/** Issue 13: the HPB checks read Talk's signaling settings first, so without Talk they are not run either. */
Object.assign(
  TALK_MISSING_NOT_RUN,
  Object.fromEntries(
    ['talk.hpb.welcome', 'talk.hpb.websocket', 'talk.hpb.hello', 'talk.hpb.room', 'talk.hpb.mcu', 'talk.hpb.media', 'talk.hpb.idle'].map((id) => [
      id,
      { verdict: 'not-run', reason: NEEDS_TALK },
    ]),
  ),
);

/**
 * The exit code of a run of `row` (src/verdict/outcome.ts): 1 when a check it covers is expected
 * to fail (a fail is always a must check), else 3 (INCOMPLETE) for a run that leaves checks out
 * (the good profile leaves load out, fault profiles run AREAS), 0 for one that covers everything
 * and expects no failure.
 */
function expectedExitCode(row: Pick<FaultRow, 'expected' | 'run'>): number {
  if (Object.values(row.expected).some((e) => e.verdict === 'fail')) return EXIT_NOT_CERTIFIED;
  return row.run.tags === 'all' ? EXIT_CERTIFIED : EXIT_INCOMPLETE;
}
const OUTCOME: Record<number, string> = { [EXIT_CERTIFIED]: 'CERTIFIED', [EXIT_NOT_CERTIFIED]: 'NOT CERTIFIED', [EXIT_INCOMPLETE]: 'INCOMPLETE' };

/** The whole-report assertions every row of this table makes. */
function reportExtra(profile: string, row: Pick<FaultRow, 'expected' | 'run'>) {
  const code = expectedExitCode(row);
  return {
    title: `exits with ${code} (${OUTCOME[code]}) and writes a complete certification report`,
    assert: (run: CertifyRun) => {
      // A fault profile run is narrowed to AREAS (the good profile leaves load out), so the checks
      // of other areas are not run: without an expected failure the run is INCOMPLETE (exit 3),
      // with one NOT CERTIFIED (exit 1). The report states the same outcome as the exit code.
      expect(run.exitCode, run.output).toBe(code);
      expect(run.report.summary.exitCode).toBe(run.exitCode);
      expect(run.report.error).toBeNull();
      // What was not established is listed with its reason, in the JSON and the Markdown report.
      expect(run.report.summary.notEstablished?.map((n) => n.check)).toEqual(run.report.summary.mustNotRun);
      for (const n of run.report.summary.notEstablished ?? []) expect(n.reason, n.check).not.toBe('');
      if (run.report.summary.mustNotRun.length > 0) expect(readFileSync(path.join(run.reportDir, 'certification.md'), 'utf8')).toContain('## Not established');
      if (profile === 'good') {
        // No .env and no TALK_URL: the CLI says it falls back to the reference platform.
        expect(run.output).toContain('No .env file and no TALK_URL: certifying the built-in reference platform (profile "good")');
        // Certified but for the load area it left out: no must check failed, and only load checks did not run.
        expect(run.report.summary.mustFailed).toEqual([]);
        expect(
          run.report.summary.mustNotRun.every((l) => l.startsWith('load.')),
          run.report.summary.mustNotRun.join(', '),
        ).toBe(true);
      }
      if (profile === 'talk-missing') {
        // The header says "not installed", not "unknown" (issue 12 point 10).
        expect(run.report.versions).toMatchObject({ talk: null, talkNote: expect.stringMatching(/^not installed \(/) });
        expect(readFileSync(path.join(run.reportDir, 'certification.md'), 'utf8')).toMatch(/\| Talk \| not installed \(/);
      }
      expect(run.report.target).toMatchObject({ kind: 'reference', profile });
      // Every catalogue check, run or reported not-run: once from Node, or once per browser.
      const nodeChecks = CHECKS.filter((d) => d.runsIn === 'node').length;
      const browserChecks = CHECKS.filter((d) => d.runsIn === 'browser').length;
      expect(run.report.checks).toHaveLength(nodeChecks + browserChecks * BROWSERS.length);
      expect(run.report.versions.browsers.map((b) => b.project).sort()).toEqual(BROWSERS.slice().sort());
      for (const b of run.report.versions.browsers) expect(b.version, `${b.project} version recorded`).toMatch(/^\d+\./);
    },
  };
}

function row(profile: string, run: RunShape, checks: string[], expected: Record<string, Expectation>): FaultRow {
  return { profile, run, checks, expected, extras: [reportExtra(profile, { run, expected })] };
}

export const CERTIFICATION_FAULTS: FaultTable = {
  area: 'certification',
  rules: { remedy: true, observed: true, notRunReason: true },
  rows: [
    // turn.relay.tls passes: the browsers are launched trusting the per-run CA (src/browsers/trust.ts).
    row('good', GOOD_RUN, GOOD_CHECKS, { ...INTERNAL_SIGNALING }),
    row('http-only', AREAS_RUN, AREA_CHECKS, {
      ...INTERNAL_SIGNALING,
      'https.tls.valid': { verdict: 'fail', diagnosis: /plain HTTP/ },
      'https.http.redirect': { verdict: 'fail', diagnosis: /served over plain HTTP .* instead of redirecting/ },
      'https.hsts': { verdict: 'warn', diagnosis: /plain HTTP/ },
      'https.browser.secure-context': { verdict: 'fail', diagnosis: /not a secure context \(http:\/\/\)/ },
    }),
    row('wasm-wrong-mime', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING, ...WASM_WRONG_MIME }),
    row('wasm-missing', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING, ...WASM_MISSING }),
    row('tflite-missing', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING, ...TFLITE_MISSING }),
    // The call's fault profiles (issue 4). Their target is the call check (area `call`, not in AREAS:
    // faults/call.ts); here they show that the other checks see them sensibly: the blur-* ones break
    // exactly what their asset twins break, signaling-broken and turn-blocked nothing in these areas
    // (turn-blocked fails the TURN checks: faults/turn.ts).
    row('blur-wasm-wrong-mime', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING, ...WASM_WRONG_MIME }),
    row('blur-assets-missing', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING, ...WASM_MISSING, ...TFLITE_MISSING }),
    row('signaling-broken', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING }),
    row('turn-blocked', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING }),
    // Every area (issue 12 point 5): each check that needs Talk says so, none fails on Talk's 404.
    row('talk-missing', ALL_RUN, ALL_CHECKS, {
      'talk.signaling.hpb': { verdict: 'not-run' },
      'talk.installed': { verdict: 'fail', diagnosis: /no `spreed` entry/ },
      'talk.mobile.api': { verdict: 'fail', diagnosis: /the Talk apps cannot be used by alice: the capabilities have no `spreed` entry/ },
      'blur.assets.wasm.served': { verdict: 'not-run' },
      'blur.assets.wasm.mime': { verdict: 'not-run' },
      'blur.assets.tflite.served': { verdict: 'not-run' },
      'blur.browser.wasm-compiles': { verdict: 'not-run' },
      'blur.browser.wasm-streaming': { verdict: 'not-run' },
      ...TALK_MISSING_NOT_RUN,
      // Talk's page is a 404 without Talk: the check still certifies the origin, and says what it opened (issue 12 point 10).
      'https.browser.secure-context': {
        verdict: 'pass',
        observed: /isSecureContext=true.*the page opened \(https:\/\/.*\/apps\/spreed\/\) answered HTTP 404 \(not found: Talk is not installed/,
      },
    }),
    // `application/wasm; charset=utf-8`: the essence is right, but Chromium and Firefox refuse any
    // parameter in streaming compilation; the Node-side check must judge it as they do.
    row('wasm-mime-charset', AREAS_RUN, AREA_CHECKS, {
      ...INTERNAL_SIGNALING,
      'blur.assets.wasm.mime': { verdict: 'warn', diagnosis: /served as application\/wasm; charset=utf-8: .*carries a parameter/ },
      'blur.browser.wasm-streaming': { verdict: 'warn', diagnosis: /wasm streaming compile failed.*MIME type/ },
    }),
    // Nextcloud under https://<ip>/nextcloud/ (nginx's subdirectory setup, the double's webroot):
    // every check of these areas builds its URLs from TALK_URL, not from the origin, and passes.
    row('webroot', AREAS_RUN, AREA_CHECKS, { ...INTERNAL_SIGNALING }),
  ],
};
