import { expect, test } from '@playwright/test';
import { type CheckRun, INSTALL_BROWSER, RUN_AGAIN, RUN_EVERYTHING, decideCertification, decideCheck, notEstablishedLine, uncoveredChecks } from '../../../src/verdict/decide.ts';
import { EXIT_CERTIFIED, EXIT_INCOMPLETE, EXIT_NOT_CERTIFIED, parseNotRunNote } from '../../../src/verdict/outcome.ts';
import type { BrowserRecord, CertificationReport, CheckResult } from '../../../src/verdict/types.ts';
import { notEstablishedLines } from '../../../src/reporter/format.ts';
import { CLEAN, def, run } from './check-runs.ts';

/**
 * Issue 16: which not-run reasons are the environment's (they do not block a certification, and
 * the summary says how to establish them elsewhere) and which make it INCOMPLETE; one test per
 * reason class, each with the outcome and the exit code.
 */

const pass = (id: string, project = 'platform'): CheckResult => decideCheck(run({ definition: def(id, 'must'), project, browser: project === 'platform' ? null : project }));
const fail = (id: string): CheckResult =>
  decideCheck(
    run({
      definition: def(id, 'must'),
      outcome: 'unexpected',
      attempts: [{ status: 'failed', evidence: { observed: 'bad', diagnosis: 'broken', details: {} }, error: 'x', durationMs: 1 }],
    }),
  );
/** A check that called `evidence.notRun(reason, { class, how })`: a skipped attempt with the not-run annotation. */
const notRun = (id: string, reason: string, note: CheckRun['notRunNote'], project = 'platform', severity: 'must' | 'should' = 'must'): CheckResult =>
  decideCheck(
    run({
      definition: def(id, severity, project === 'platform' ? 'node' : 'browser'),
      project,
      browser: project === 'platform' ? null : project,
      outcome: 'skipped',
      attempts: [{ status: 'skipped', evidence: { observed: 'not run', details: {} }, error: null, durationMs: 1 }],
      skipReason: reason,
      notRunNote: note,
    }),
  );

const RESTRICTED_REASON = "this machine's network is not declared restricted to TCP 443";
const RESTRICTED_HOW = 'run the suite with TALK_TURN_RESTRICTED_NETWORK=1 from a machine whose network lets only TCP 443 out';
const restricted = (browser: string) => notRun('turn.relay.restricted', RESTRICTED_REASON, { class: 'environment', establish: RESTRICTED_HOW }, browser);

test('the not-run annotation round-trips its class and how, and anything else is ignored', () => {
  expect(parseNotRunNote(JSON.stringify({ class: 'environment', establish: 'do x' }))).toEqual({ class: 'environment', establish: 'do x' });
  expect(parseNotRunNote(JSON.stringify({ class: 'incomplete' }))).toEqual({ class: 'incomplete', establish: null });
  expect(parseNotRunNote(JSON.stringify({ class: 'other' }))).toBeNull();
  expect(parseNotRunNote('not json')).toBeNull();
  expect(parseNotRunNote(null)).toBeNull();
});

test.describe('environment: the place the suite runs from cannot make the check', () => {
  test('restricted network not declared: a target meeting everything else is CERTIFIED, exit 0, and the summary line says what was not established and how', () => {
    const checks = [pass('https.tls.valid'), pass('turn.relay.udp', 'chromium'), restricted('chromium'), restricted('firefox')];
    expect(checks[2]).toMatchObject({ verdict: 'not-run', notRunClass: 'environment', establish: RESTRICTED_HOW, reason: RESTRICTED_REASON });
    const s = decideCertification({ checks, runError: null, runStatus: 'passed' });
    expect(s).toMatchObject({ certified: true, status: 'certified', exitCode: EXIT_CERTIFIED, mustNotRun: [] });
    expect(s.notEstablished).toEqual([
      { check: 'turn.relay.restricted (chromium)', reason: RESTRICTED_REASON, class: 'environment', how: RESTRICTED_HOW },
      { check: 'turn.relay.restricted (firefox)', reason: RESTRICTED_REASON, class: 'environment', how: RESTRICTED_HOW },
    ]);
    // One line, the check named once with its browsers, the reason and what to do.
    expect(s.notEstablishedLine).toBe(
      `Not established from where the suite ran (does not block): turn.relay.restricted (chromium, firefox): ${RESTRICTED_REASON}; to establish: ${RESTRICTED_HOW}.`,
    );
    expect(s.notes.join('\n')).toContain('cannot be made from where the suite ran');
  });

  test('no admin credentials: the database checks are not established, the run is still CERTIFIED (exit 0)', () => {
    const how = 'set TALK_ADMIN_USER and TALK_ADMIN_PASSWORD to an administrator account';
    const db = notRun('database.not-sqlite', 'the database type is not visible: no admin credentials', { class: 'environment', establish: how });
    const s = decideCertification({ checks: [pass('https.tls.valid'), db], runError: null, runStatus: 'passed' });
    expect(s).toMatchObject({ status: 'certified', exitCode: EXIT_CERTIFIED });
    expect(s.notEstablishedLine).toContain(`database.not-sqlite (platform): the database type is not visible: no admin credentials; to establish: ${how}`);
  });

  test('browser not installed here: its checks are environment limits with the install hint, whether the browser project skipped or never ran them', () => {
    const skipped = decideCheck(
      run({
        definition: def('call.media', 'must', 'browser'),
        project: 'webkit',
        browser: 'webkit',
        outcome: 'skipped',
        attempts: [],
        skipReason: 'WebKit is not installed (npx playwright install webkit)',
        browserAbsent: 'WebKit is not installed (npx playwright install webkit)',
      }),
    );
    expect(skipped).toMatchObject({ verdict: 'not-run', notRunClass: 'environment', establish: INSTALL_BROWSER });
    const webkit: BrowserRecord = { project: 'webkit', name: 'webkit', version: null, channel: null, executable: null, notRunReason: 'WebKit is not installed' };
    const [missing] = uncoveredChecks([def('blur.page', 'must', 'browser')], [], [webkit], CLEAN);
    expect(missing).toMatchObject({ verdict: 'not-run', notRunClass: 'environment', establish: INSTALL_BROWSER, reason: 'WebKit is not installed' });
    const s = decideCertification({ checks: [pass('https.tls.valid'), skipped, missing!], runError: null, runStatus: 'passed' });
    expect(s).toMatchObject({ status: 'certified', exitCode: EXIT_CERTIFIED });
    expect(s.notEstablished?.map((n) => n.class)).toEqual(['environment', 'environment']);
  });

  test('a Chromium ↔ Firefox call without one of the browsers is an environment limit', () => {
    const interop = notRun('call.interop', 'the Chromium ↔ Firefox call needs both browsers: no Firefox browser in this run', {
      class: 'environment',
      establish: 'install that browser',
    });
    expect(decideCertification({ checks: [pass('call.media', 'chromium'), interop], runError: null, runStatus: 'passed' })).toMatchObject({
      status: 'certified',
      exitCode: EXIT_CERTIFIED,
    });
  });
});

test.describe('incomplete: the check could not be established on what the run had', () => {
  test('the suite could not drive the UI (no class given): INCOMPLETE, exit 3', () => {
    const c = notRun('call.media', "could not drive Talk 22.0.2's UI at step join the call", null, 'chromium');
    expect(c).toMatchObject({ notRunClass: 'incomplete', establish: null });
    const s = decideCertification({ checks: [pass('https.tls.valid'), c], runError: null, runStatus: 'passed' });
    expect(s).toMatchObject({ status: 'incomplete', exitCode: EXIT_INCOMPLETE, mustNotRun: ['call.media (chromium)'] });
    expect(s.notEstablishedLine).toBe("Not established, so the certification is incomplete: call.media (chromium): could not drive Talk 22.0.2's UI at step join the call.");
  });

  test('an explicit incomplete class with how (serverinfo disabled): INCOMPLETE, exit 3, the how in the line', () => {
    const c = notRun('database.not-sqlite', 'the serverinfo app is not enabled', { class: 'incomplete', establish: 'enable the serverinfo app' });
    const s = decideCertification({ checks: [c], runError: null, runStatus: 'passed' });
    expect(s).toMatchObject({ status: 'incomplete', exitCode: EXIT_INCOMPLETE });
    expect(s.notEstablishedLine).toContain('; to establish: enable the serverinfo app.');
  });

  test('a narrowed run (--grep): the checks left out are incomplete with "run the whole certification", exit 3', () => {
    const out = uncoveredChecks([def('https.tls.valid', 'must'), def('load.chat.under-load', 'must')], [pass('https.tls.valid')], [], CLEAN);
    expect(out).toEqual([expect.objectContaining({ id: 'load.chat.under-load', notRunClass: 'incomplete', establish: RUN_EVERYTHING })]);
    expect(decideCertification({ checks: [pass('https.tls.valid'), ...out], runError: null, runStatus: 'passed' })).toMatchObject({
      status: 'incomplete',
      exitCode: EXIT_INCOMPLETE,
    });
  });

  test('an interrupted run: the check it was running and those it never reached are incomplete with "run again", exit 3', () => {
    const interrupted = decideCheck(
      run({ definition: def('call.media', 'must'), outcome: 'skipped', attempts: [{ status: 'interrupted', evidence: null, error: null, durationMs: 1 }] }),
    );
    expect(interrupted).toMatchObject({ verdict: 'not-run', notRunClass: 'incomplete', establish: RUN_AGAIN });
    const [unreached] = uncoveredChecks([def('load.chat.under-load', 'must')], [], [], { ...CLEAN, runStatus: 'interrupted' });
    expect(unreached).toMatchObject({ notRunClass: 'incomplete', establish: RUN_AGAIN });
    const s = decideCertification({ checks: [pass('https.tls.valid'), interrupted, unreached!], runError: null, runStatus: 'interrupted' });
    expect(s).toMatchObject({ status: 'incomplete', exitCode: EXIT_INCOMPLETE });
  });

  test('incomplete and environment together: INCOMPLETE (exit 3), the line names both, blocking part first', () => {
    const s = decideCertification({
      checks: [pass('https.tls.valid'), restricted('chromium'), notRun('call.media', 'no second participant', null, 'chromium')],
      runError: null,
      runStatus: 'passed',
    });
    expect(s).toMatchObject({ status: 'incomplete', exitCode: EXIT_INCOMPLETE, mustNotRun: ['call.media (chromium)'] });
    expect(s.notEstablishedLine).toMatch(
      /^Not established, so the certification is incomplete: call\.media \(chromium\): no second participant\. Not established from where the suite ran \(does not block\): turn\.relay\.restricted \(chromium\)/,
    );
  });
});

test('a failed must check is NOT CERTIFIED (exit 1) whatever did not run, and environment limits are still listed', () => {
  const s = decideCertification({ checks: [fail('turn.relay.udp'), restricted('chromium')], runError: null, runStatus: 'failed' });
  expect(s).toMatchObject({ status: 'not-certified', exitCode: EXIT_NOT_CERTIFIED });
  expect(s.notEstablished).toHaveLength(1);
});

test('a should check not run is never listed and never blocks', () => {
  const s = decideCertification({
    checks: [pass('https.tls.valid'), notRun('turn.relay.tls', 'x', { class: 'incomplete', establish: null }, 'chromium', 'should')],
    runError: null,
    runStatus: 'passed',
  });
  expect(s).toMatchObject({ status: 'certified', exitCode: EXIT_CERTIFIED, notEstablished: [], notEstablishedLine: '' });
});

test('the line groups by reason and how, and is empty when everything was established', () => {
  expect(notEstablishedLine([])).toBe('');
  expect(
    notEstablishedLine([
      { check: 'a.x (chromium)', reason: 'r1', class: 'environment', how: 'h1' },
      { check: 'b.y (platform)', reason: 'r1', class: 'environment', how: 'h1' },
      { check: 'c.z (firefox)', reason: 'r2', class: 'environment', how: null },
    ]),
  ).toBe('Not established from where the suite ran (does not block): a.x (chromium), b.y (platform): r1; to establish: h1 | c.z (firefox): r2.');
  // Reports written before the classes existed: no class means incomplete.
  expect(notEstablishedLine([{ check: 'a.x (chromium)', reason: 'r' }])).toBe('Not established, so the certification is incomplete: a.x (chromium): r.');
});

test('"Not established" names an absent browser once, with every check it skipped', () => {
  const absent = 'WebKit is not installed here';
  const checks = ['https.secure-context', 'blur.wasm.streaming', 'turn.relay.udp'].map((id) => notRun(id, absent, { class: 'environment', establish: INSTALL_BROWSER }, 'webkit'));
  const s = decideCertification({ checks: [pass('https.tls.valid'), ...checks], runError: null, runStatus: 'passed' });
  expect(s.notEstablished).toHaveLength(3);
  const report = { summary: s } as unknown as CertificationReport;
  expect(notEstablishedLines(report)).toEqual([
    `(environment, does not block) https.secure-context (webkit), blur.wasm.streaming (webkit), turn.relay.udp (webkit): ${absent} — to establish: ${INSTALL_BROWSER}`,
  ]);
});
