import { expect, test } from '@playwright/test';
import {
  type Attempt,
  type CheckRun,
  type RunContext,
  type TestOutcome,
  checkLabel,
  decideCertification,
  decideCheck,
  decideVerdict,
  didNotRunReason,
  firstLine,
  mergeBrowserRecords,
  mergeRepeats,
  sortChecks,
  uncoveredChecks,
} from '../../../src/verdict/decide.ts';
import { EXIT_CERTIFIED, EXIT_CODE_OF_STATUS, EXIT_INCOMPLETE, EXIT_NOT_CERTIFIED, EXIT_UNUSABLE_INPUT, exitCodeFor } from '../../../src/verdict/outcome.ts';
import type { BrowserRecord, CheckDefinition, CheckResult, Severity, Verdict } from '../../../src/verdict/types.ts';
import { CLEAN, def, passed, run } from './check-runs.ts';

const failed = (observed = 'broken', diagnosis?: string, error: string | null = 'Error: expected 200, got 404'): Attempt => ({
  status: 'failed',
  evidence: { observed, ...(diagnosis ? { diagnosis } : {}), details: { seen: observed } },
  error,
  durationMs: 20,
});

test.describe('decideVerdict', () => {
  const table: [TestOutcome, Severity, boolean, Verdict, boolean][] = [
    ['expected', 'must', false, 'pass', false],
    ['expected', 'should', false, 'pass', false],
    ['unexpected', 'must', false, 'fail', false],
    ['unexpected', 'should', false, 'warn', false],
    ['flaky', 'must', false, 'fail', true],
    ['flaky', 'should', false, 'warn', true],
    ['skipped', 'must', false, 'not-run', false],
    ['skipped', 'should', false, 'not-run', false],
    ['skipped', 'must', true, 'not-applicable', false],
    ['skipped', 'should', true, 'not-applicable', false],
  ];
  for (const [outcome, severity, na, verdict, flaky] of table) {
    test(`outcome ${outcome} of a ${severity} check${na ? ' marked not-applicable' : ''} is ${verdict}${flaky ? ' (flaky)' : ''}`, () => {
      expect(decideVerdict(severity, outcome, na)).toEqual({ verdict, flaky });
    });
  }
});

test.describe('decideCheck', () => {
  test('a pass carries the observed value and evidence, and neither diagnosis nor remedy', () => {
    const r = decideCheck(run({ definition: def('https.hsts', 'should'), attempts: [passed('max-age=31536000')] }));
    expect(r).toMatchObject({
      verdict: 'pass',
      observed: 'max-age=31536000',
      diagnosis: null,
      reason: null,
      remedy: null,
      evidence: { seen: 'max-age=31536000' },
      attempts: 1,
      flaky: false,
      browser: null,
      project: 'platform',
    });
  });

  test("a failed must check takes the evidence's diagnosis and the remedy", () => {
    const r = decideCheck(run({ definition: def('blur.assets.wasm.served', 'must'), outcome: 'unexpected', attempts: [failed('404 Not Found', 'the .wasm file is not served')] }));
    expect(r).toMatchObject({ verdict: 'fail', observed: '404 Not Found', diagnosis: 'the .wasm file is not served', remedy: 'remedy of blur.assets.wasm.served' });
  });

  test('a failed should check is a warning, with its remedy', () => {
    const r = decideCheck(run({ definition: def('https.hsts', 'should'), outcome: 'unexpected', attempts: [failed('no header', 'no HSTS header')] }));
    expect(r).toMatchObject({ verdict: 'warn', diagnosis: 'no HSTS header', remedy: 'remedy of https.hsts' });
  });

  test('without a diagnosis, the first line of the error becomes the diagnosis, without colours, cut to 300 characters', () => {
    const long = `\u001b[31mError: ${'x'.repeat(400)}\u001b[39m\n  at somewhere`;
    const r = decideCheck(
      run({ definition: def('talk.installed', 'must'), outcome: 'unexpected', attempts: [{ status: 'timedOut', evidence: null, error: long, durationMs: 1 }] }),
    );
    expect(r.verdict).toBe('fail');
    expect(r.diagnosis).toHaveLength(300);
    expect(r.diagnosis).toMatch(/^Error: x+…$/);
    expect(r.observed).toBe('not observed');
    expect(r.evidence).toEqual({});
  });

  test('a long line is cut at a word boundary, never mid-word', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const cut = firstLine(words, 200);
    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut).toMatch(/ word\d+…$/);
    expect(words.startsWith(cut.slice(0, -1) + ' ')).toBe(true);
  });

  test('the first non-empty line of a multi-line error is used', () => {
    expect(firstLine('\n\n  expect(received).toBe(expected)\n\nExpected: 200')).toBe('expect(received).toBe(expected)');
  });

  test('a must check that passed only on retry fails, is flagged flaky, and reports the failed attempt', () => {
    const r = decideCheck(
      run({
        definition: def('https.tls.valid', 'must'),
        outcome: 'flaky',
        attempts: [failed('handshake reset', 'the TLS handshake was reset'), passed('TLSv1.3, chain ok')],
      }),
    );
    expect(r.verdict).toBe('fail');
    expect(r.flaky).toBe(true);
    expect(r.attempts).toBe(2);
    expect(r.evidence).toEqual({ seen: 'handshake reset' });
    expect(r.observed).toBe('handshake reset (attempt 1); TLSv1.3, chain ok (attempt 2, retry)');
    expect(r.diagnosis).toContain('passed only on retry');
    expect(r.diagnosis).toContain('the TLS handshake was reset');
    expect(r.remedy).toBe('remedy of https.tls.valid');
    expect(r.durationMs).toBe(30);
  });

  test('a should check that passed only on retry is a flaky warning', () => {
    const r = decideCheck(run({ definition: def('https.hsts', 'should'), outcome: 'flaky', attempts: [failed(), passed()] }));
    expect(r).toMatchObject({ verdict: 'warn', flaky: true });
  });

  test('a check that failed and was skipped on retry is failed, not flaky', () => {
    const r = decideCheck(
      run({
        definition: def('https.tls.valid', 'must'),
        outcome: 'flaky',
        attempts: [failed('reset', 'reset'), { status: 'skipped', evidence: null, error: null, durationMs: 0 }],
        skipReason: 'admin credentials are missing',
      }),
    );
    expect(r).toMatchObject({ verdict: 'fail', flaky: false, diagnosis: 'reset' });
  });

  test('not-applicable carries the annotation reason and no remedy', () => {
    const r = decideCheck(
      run({
        definition: def('blur.browser.wasm-streaming', 'should', 'browser'),
        browser: 'webkit',
        project: 'webkit',
        outcome: 'skipped',
        attempts: [{ status: 'skipped', evidence: null, error: null, durationMs: 1 }],
        notApplicableReason: 'Talk 12 has no background blur',
        skipReason: 'Talk 12 has no background blur',
      }),
    );
    expect(r).toMatchObject({ verdict: 'not-applicable', reason: 'Talk 12 has no background blur', remedy: null, diagnosis: null, browser: 'webkit' });
  });

  test('a plain skip is not-run with the skip reason', () => {
    const r = decideCheck(
      run({
        definition: def('talk.installed', 'must'),
        outcome: 'skipped',
        attempts: [{ status: 'skipped', evidence: null, error: null, durationMs: 1 }],
        skipReason: 'admin credentials are missing',
      }),
    );
    expect(r).toMatchObject({ verdict: 'not-run', reason: 'admin credentials are missing' });
  });

  test('a skip without a reason says so', () => {
    const r = decideCheck(run({ definition: def('talk.installed', 'must'), outcome: 'skipped', attempts: [], skipReason: '' }));
    expect(r.reason).toBe('skipped without a reason');
  });

  test("a test that never ran takes the run context's reason", () => {
    const r = decideCheck(
      run({ definition: def('talk.installed', 'must'), outcome: 'skipped', attempts: [], didNotRunReason: didNotRunReason({ ...CLEAN, runStatus: 'interrupted' }, false) }),
    );
    expect(r).toMatchObject({ verdict: 'not-run', reason: 'did not run: the run was interrupted', attempts: 0 });
  });

  test('a check interrupted while running says it did not complete', () => {
    const r = decideCheck(
      run({ definition: def('talk.installed', 'must'), outcome: 'skipped', attempts: [{ status: 'interrupted', evidence: null, error: null, durationMs: 5 }] }),
    );
    expect(r.reason).toBe('did not complete: the run was interrupted while the check was running');
  });

  test("the evidence's provenance overrides the definition's", () => {
    const r = decideCheck(
      run({
        definition: def('talk.installed', 'must'),
        attempts: [{ status: 'passed', evidence: { observed: 'x', provenance: 'inferred', details: {} }, error: null, durationMs: 1 }],
      }),
    );
    expect(r.provenance).toBe('inferred');
  });
});

test.describe('didNotRunReason', () => {
  test('a global setup error wins over everything else', () => {
    const reason = didNotRunReason(
      { runError: { code: 'TARGET_UNAVAILABLE', message: 'connect ECONNREFUSED 127.0.0.1:443\nmore' }, runStatus: 'interrupted', maxFailuresReached: 1 },
      true,
    );
    expect(reason).toBe('did not run: global setup failed (TARGET_UNAVAILABLE): connect ECONNREFUSED 127.0.0.1:443');
  });
  test('interrupted, global timeout, max failures, runner skip, never started', () => {
    expect(didNotRunReason({ ...CLEAN, runStatus: 'interrupted' }, false)).toBe('did not run: the run was interrupted');
    expect(didNotRunReason({ ...CLEAN, runStatus: 'timedout' }, true)).toBe('did not run: the run reached its global timeout');
    expect(didNotRunReason({ ...CLEAN, runStatus: 'failed', maxFailuresReached: 3 }, false)).toBe('did not run: the run stopped after 3 failed test(s) (maxFailures)');
    expect(didNotRunReason(CLEAN, true)).toContain('skipped by the runner');
    expect(didNotRunReason(CLEAN, false)).toBe('did not run: the runner never started it');
  });
});

function result(id: string, verdict: Verdict, over: Partial<CheckResult> = {}): CheckResult {
  return {
    ...decideCheck(run({ definition: def(id, 'must') })),
    verdict,
    ...over,
  };
}

test.describe('decideCertification', () => {
  test('all must checks pass, a should warns and one is not applicable: certified', () => {
    const s = decideCertification({
      checks: [result('a.one', 'pass'), result('a.two', 'warn', { severity: 'should' }), result('a.three', 'not-applicable')],
      runError: null,
      runStatus: 'failed',
    });
    expect(s).toMatchObject({ certified: true, status: 'certified', mustFailed: [], mustNotRun: [] });
    expect(s.counts).toEqual({ pass: 1, fail: 0, warn: 1, 'not-applicable': 1, 'not-run': 0 });
  });

  test('a must fail is not certified, and names the check and browser', () => {
    const s = decideCertification({
      checks: [result('a.one', 'pass'), result('a.two', 'fail', { browser: 'firefox', project: 'firefox' })],
      runError: null,
      runStatus: 'failed',
    });
    expect(s).toMatchObject({ certified: false, status: 'not-certified', mustFailed: ['a.two (firefox)'] });
  });

  test('a must not-run makes it incomplete; a should not-run does not', () => {
    const incomplete = decideCertification({ checks: [result('a.one', 'pass'), result('a.two', 'not-run')], runError: null, runStatus: 'passed' });
    expect(incomplete).toMatchObject({ certified: false, status: 'incomplete', mustNotRun: ['a.two (platform)'] });
    expect(incomplete.notes.join('\n')).toContain('incomplete');
    const fine = decideCertification({
      checks: [result('a.one', 'pass'), result('a.two', 'not-run', { severity: 'should' })],
      runError: null,
      runStatus: 'passed',
    });
    expect(fine.status).toBe('certified');
  });

  test('checks of a browser that is not installed here do not block, but are noted; an available browser not running does', () => {
    const checks = [
      result('a.one', 'pass'),
      result('b.page', 'pass', { browser: 'chromium', project: 'chromium' }),
      result('b.page', 'not-run', { browser: 'webkit', project: 'webkit', reason: 'webkit: WebKit not installed' }),
    ];
    const s = decideCertification({ checks, runError: null, runStatus: 'passed', unavailableBrowsers: ['webkit'] });
    expect(s).toMatchObject({ certified: true, status: 'certified', mustNotRun: [] });
    expect(s.notes.join('\n')).toContain('browser is not installed here: webkit (1 check(s))');
    const available = decideCertification({ checks, runError: null, runStatus: 'passed', unavailableBrowsers: [] });
    expect(available).toMatchObject({ status: 'incomplete', mustNotRun: ['b.page (webkit)'] });
  });

  test('a must fail wins over a must not-run', () => {
    const s = decideCertification({ checks: [result('a.one', 'fail'), result('a.two', 'not-run')], runError: null, runStatus: 'failed' });
    expect(s.status).toBe('not-certified');
    expect(s.mustNotRun).toEqual(['a.two (platform)']);
  });

  test('a flaky must check blocks certification and is named in a note', () => {
    const s = decideCertification({ checks: [result('a.one', 'fail', { flaky: true })], runError: null, runStatus: 'passed' });
    expect(s.certified).toBe(false);
    expect(s.notes.find((n) => n.includes('Passed only on retry'))).toContain('a.one (platform)');
    expect(s.notes.find((n) => n.includes('Passed only on retry'))).toContain('counted as not passed');
  });

  test('a run error or an empty run is never certified', () => {
    expect(decideCertification({ checks: [], runError: null, runStatus: 'passed' })).toMatchObject({ certified: false, status: 'incomplete' });
    const s = decideCertification({ checks: [result('a.one', 'pass')], runError: { code: 'X', message: 'boom' }, runStatus: 'failed' });
    expect(s).toMatchObject({ certified: false, status: 'incomplete' });
    expect(s.notes[0]).toContain('boom');
  });

  test('the outcome carries its exit code: 0 certified, 1 a must failed, 3 a must not run; 2 is never a verdict (issue 12 point 4)', () => {
    const certified = decideCertification({ checks: [result('a.one', 'pass')], runError: null, runStatus: 'passed' });
    expect(certified).toMatchObject({ status: 'certified', exitCode: EXIT_CERTIFIED, notEstablished: [] });
    const reason = "could not drive Talk 21.0.4's UI at step join the call";
    const incomplete = decideCertification({ checks: [result('a.one', 'pass'), result('a.two', 'not-run', { reason })], runError: null, runStatus: 'passed' });
    expect(incomplete).toMatchObject({ status: 'incomplete', exitCode: EXIT_INCOMPLETE, notEstablished: [{ check: 'a.two (platform)', reason }] });
    // A failed must is conclusive; what did not run is still listed.
    const failed = decideCertification({ checks: [result('a.one', 'fail'), result('a.two', 'not-run', { reason })], runError: null, runStatus: 'failed' });
    expect(failed).toMatchObject({ status: 'not-certified', exitCode: EXIT_NOT_CERTIFIED, notEstablished: [{ check: 'a.two (platform)', reason }] });
    expect(failed.notes.join('\n')).toContain('1 must check(s) did not run');
    // A should check that did not run establishes nothing the certification needs.
    const should = decideCertification({ checks: [result('a.one', 'pass'), result('a.two', 'not-run', { severity: 'should', reason })], runError: null, runStatus: 'passed' });
    expect(should).toMatchObject({ status: 'certified', exitCode: EXIT_CERTIFIED, notEstablished: [] });
    // The codes themselves: one per status, distinct, and 2 (unusable input) belongs to none.
    expect(Object.values(EXIT_CODE_OF_STATUS).sort()).toEqual([0, 1, 3]);
    expect(EXIT_UNUSABLE_INPUT).toBe(2);
    expect(exitCodeFor('incomplete')).toBe(3);
    // A run that could not start is unusable input, as the CLI reports it (never 3).
    expect(decideCertification({ checks: [], runError: { code: 'NOT_NEXTCLOUD', message: 'not a Nextcloud' }, runStatus: 'failed' }).exitCode).toBe(EXIT_UNUSABLE_INPUT);
  });

  test('notes from the reporter are kept', () => {
    const s = decideCertification({ checks: [result('a.one', 'pass')], runError: null, runStatus: 'passed', notes: ['1 test without annotation'] });
    expect(s.notes).toContain('1 test without annotation');
  });
});

test.describe('catalogue coverage, merging and order', () => {
  const chromium: BrowserRecord = { project: 'chromium', name: 'chromium', version: '131', channel: null, executable: null, notRunReason: null };
  const webkit: BrowserRecord = { project: 'webkit', name: 'webkit', version: null, channel: null, executable: null, notRunReason: 'WebKit is not installed' };

  test('node checks are expected once in platform, browser checks once per browser project', () => {
    const catalogue = [def('x.node', 'must'), def('x.browser', 'must', 'browser')];
    const present = [result('x.browser', 'pass', { browser: 'chromium', project: 'chromium' })];
    const missing = uncoveredChecks(catalogue, present, [chromium, webkit], CLEAN);
    expect(missing.map(checkLabel)).toEqual(['x.node (platform)', 'x.browser (webkit)']);
    expect(missing[0]!.reason).toContain('not part of this run');
    expect(missing[1]!.reason).toBe('WebKit is not installed');
    expect(missing.every((m) => m.verdict === 'not-run' && m.attempts === 0)).toBe(true);
  });

  test('after a global setup error, missing checks say so', () => {
    const missing = uncoveredChecks([def('x.node', 'must')], [], [], { ...CLEAN, runError: { code: 'CONFIG_INVALID', message: 'TALK_URL is not a URL' } });
    expect(missing[0]!.reason).toBe('did not run: global setup failed (CONFIG_INVALID): TALK_URL is not a URL');
  });

  test('a repeated check keeps its worst verdict', () => {
    const { results, notes } = mergeRepeats([result('a.one', 'pass'), result('a.one', 'fail'), result('a.two', 'pass')]);
    expect(results.map((r) => `${r.id}:${r.verdict}:${r.attempts}`)).toEqual(['a.one:fail:2', 'a.two:pass:1']);
    expect(notes).toHaveLength(1);
  });

  test('order: catalogue areas, then id, then platform before browsers', () => {
    const catalogue = [def('https.b', 'must'), def('talk.a', 'must'), def('blur.a', 'must')];
    const sorted = sortChecks(
      [
        result('zzz.unknown', 'pass'),
        result('blur.a', 'pass', { browser: 'webkit', project: 'webkit' }),
        result('blur.a', 'pass', { browser: 'chromium', project: 'chromium' }),
        result('talk.a', 'pass'),
        result('https.b', 'pass'),
        result('https.a', 'pass'),
        result('blur.a', 'pass'),
      ],
      catalogue,
    );
    expect(sorted.map(checkLabel)).toEqual([
      'https.a (platform)',
      'https.b (platform)',
      'talk.a (platform)',
      'blur.a (platform)',
      'blur.a (chromium)',
      'blur.a (webkit)',
      'zzz.unknown (platform)',
    ]);
  });

  test('browser records take the launched version over the detected one', () => {
    const merged = mergeBrowserRecords([chromium, webkit], new Map([['chromium', { version: '131.0.6778.33', executable: '/usr/bin/chromium' }]]));
    expect(merged).toEqual([{ ...chromium, version: '131.0.6778.33', executable: '/usr/bin/chromium' }, webkit]);
  });
});

test('a browser record keeps the project name when the engine reports its own', () => {
  const chrome: BrowserRecord = { project: 'chrome', name: 'chrome', version: null, channel: 'chrome', executable: null, notRunReason: null };
  expect(mergeBrowserRecords([chrome], new Map([['chrome', { name: 'chromium', version: '131.0.6778.85' }]]))).toEqual([{ ...chrome, version: '131.0.6778.85' }]);
});

test('an empty observed value reads as not observed', () => {
  const r = decideCheck(
    run({
      definition: def('talk.installed', 'must'),
      outcome: 'unexpected',
      attempts: [{ status: 'failed', evidence: { observed: '', details: {} }, error: 'Error: boom', durationMs: 1 }],
    }),
  );
  expect(r).toMatchObject({ observed: 'not observed', diagnosis: 'Error: boom' });
});
