import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CHECKS } from '../../../src/verdict/catalogue.ts';
import type { CheckResult } from '../../../src/verdict/types.ts';
import { REPO_ROOT, reporterEntry, runInlineProject } from './inline-project.ts';

/**
 * The reporter, run by the real runner on tiny projects. Assertions are on certification.json
 * (and the existence and key content of certification.md), not on console text.
 */

// Each test spawns a runner; they are independent and may run in parallel.
test.describe.configure({ mode: 'parallel' });

const STATE = JSON.stringify({
  kind: 'url',
  url: 'https://cloud.example.test/',
  profile: null,
  nextcloudVersion: '31.0.4',
  talkVersion: '21.0.2',
  runId: 'tc-selftest',
});

const find = (checks: CheckResult[], id: string, project = 'platform') => {
  const c = checks.find((x) => x.id === id && x.project === project);
  if (!c) throw new Error(`no result for ${id} in ${project}; got ${checks.map((x) => `${x.id}/${x.project}`).join(', ')}`);
  return c;
};

test.describe('a run with every kind of verdict', () => {
  // One run shared by the tests below, in one worker; a failed assertion does not skip the others.
  test.describe.configure({ mode: 'default' });
  let run: Awaited<ReturnType<typeof runInlineProject>>;

  test.beforeAll(async () => {
    run = await runInlineProject({
      'state.json': STATE,
      'playwright.config.ts': `
        export default {
          testDir: '.',
          outputDir: 'test-results',
          workers: 1,
          retries: 1,
          reporter: [
            ${reporterEntry({ coverage: 'run' })},
            ['html', { outputFolder: 'reports/html', open: 'never' }],
            ['allure-playwright', { resultsDir: 'reports/allure-results' }],
          ],
          projects: [
            { name: 'platform', testMatch: 'platform.spec.ts' },
            { name: 'chromium', testMatch: 'browser.spec.ts',
              metadata: { talkBrowser: { project: 'chromium', name: 'chromium', version: '131', channel: null, executable: null, notRunReason: null } } },
            { name: 'webkit', testMatch: 'browser.spec.ts',
              metadata: { talkBrowser: { project: 'webkit', name: 'webkit', version: null, channel: null, executable: null,
                notRunReason: 'WebKit is not installed (npx playwright install webkit)' } } },
          ],
        };`,
      'platform.spec.ts': `
        import { existsSync, writeFileSync } from 'node:fs';
        import { fileURLToPath } from 'node:url';
        import { test, expect } from '@playwright/test';
        import { check, evidence, notApplicable } from './check.ts';

        const FLAKY_MARKER = fileURLToPath(new URL('./flaky-attempt-1-done', import.meta.url));

        test('passes', check('https.tls.valid', 'must'), async ({}, testInfo) => {
          await evidence(testInfo, { observed: 'TLSv1.3, chain ok, 89 days left', details: { protocol: 'TLSv1.3' } });
        });

        test('must fails', check('blur.assets.wasm.served', 'must'), async ({}, testInfo) => {
          await evidence(testInfo, {
            observed: 'HTTP 404 for tflite.wasm',
            diagnosis: 'the web server answers 404 for the .wasm files of background blur',
            details: { status: 404, url: 'https://cloud.example.test/apps/spreed/js/tflite.wasm' },
          });
          expect(404, 'tflite.wasm should answer 200').toBe(200);
        });

        test('should fails without evidence', check('https.hsts', 'should'), async () => {
          expect(0, 'Strict-Transport-Security max-age should be >= 15552000').toBeGreaterThanOrEqual(15552000);
        });

        test('not applicable', check('blur.assets.tflite.served', 'must'), async ({}, testInfo) => {
          notApplicable(testInfo, 'Talk 12 has no background blur');
        });

        test('skipped', check('talk.installed', 'must'), async ({}, testInfo) => {
          testInfo.skip(true, 'admin credentials are missing (set TALK_ADMIN_USER and TALK_ADMIN_PASSWORD)');
        });

        test('flaky', check('https.http.redirect', 'must'), async ({}, testInfo) => {
          if (!existsSync(FLAKY_MARKER)) {
            writeFileSync(FLAKY_MARKER, '');
            await evidence(testInfo, { observed: 'connection reset', diagnosis: 'port 80 reset the connection' });
            throw new Error('connection reset by peer');
          }
          await evidence(testInfo, { observed: '301 to https://cloud.example.test/' });
        });

        test('a helper test that is not a check', async () => {});
      `,
      'browser.spec.ts': `
        import { test } from '@playwright/test';
        import { check, evidence } from './check.ts';

        test.beforeEach(({}, testInfo) => {
          const reason = testInfo.project.metadata.talkBrowser?.notRunReason;
          testInfo.skip(!!reason, reason);
        });

        test('secure context', check('https.browser.secure-context', 'must', 'browser'), async ({}, testInfo) => {
          await testInfo.attach('talk-certify-browser', {
            body: JSON.stringify({ name: 'chromium', version: '131.0.6778.33', channel: null, executable: '/usr/bin/chromium' }),
            contentType: 'application/json',
          });
          await evidence(testInfo, { observed: 'isSecureContext, getUserMedia and RTCPeerConnection present' });
        });
      `,
    });
  });

  test('writes certification.json with the target, versions and tool', () => {
    expect(run.report, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).not.toBeNull();
    const r = run.report!;
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.tool).toEqual({ name: 'talk-certify', version: pkg.version });
    expect(r.runId).toBe('tc-selftest');
    expect(r.target).toEqual({ kind: 'url', url: 'https://cloud.example.test/', profile: null });
    expect(r.versions.nextcloud).toBe('31.0.4');
    expect(r.versions.talk).toBe('21.0.2');
    expect(r.error).toBeNull();
    expect(r.versions.browsers).toEqual([
      { project: 'chromium', name: 'chromium', version: '131.0.6778.33', channel: null, executable: '/usr/bin/chromium', notRunReason: null },
      { project: 'webkit', name: 'webkit', version: null, channel: null, executable: null, notRunReason: 'WebKit is not installed (npx playwright install webkit)' },
    ]);
  });

  test('decides each verdict from the outcome', () => {
    const checks = run.report!.checks;
    expect(find(checks, 'https.tls.valid')).toMatchObject({
      verdict: 'pass',
      browser: null,
      project: 'platform',
      observed: 'TLSv1.3, chain ok, 89 days left',
      evidence: { protocol: 'TLSv1.3' },
      attempts: 1,
      flaky: false,
      remedy: null,
    });
    expect(find(checks, 'blur.assets.wasm.served')).toMatchObject({
      verdict: 'fail',
      diagnosis: 'the web server answers 404 for the .wasm files of background blur',
      evidence: { status: 404 },
      remedy: 'remedy of blur.assets.wasm.served',
      attempts: 2,
      flaky: false,
    });
    const hsts = find(checks, 'https.hsts');
    expect(hsts).toMatchObject({ verdict: 'warn', observed: 'not observed', evidence: {} });
    expect(hsts.diagnosis).toContain('Strict-Transport-Security max-age should be >= 15552000');
    expect(find(checks, 'blur.assets.tflite.served')).toMatchObject({ verdict: 'not-applicable', reason: 'Talk 12 has no background blur' });
    expect(find(checks, 'talk.installed')).toMatchObject({
      verdict: 'not-run',
      reason: 'admin credentials are missing (set TALK_ADMIN_USER and TALK_ADMIN_PASSWORD)',
    });
    expect(find(checks, 'https.browser.secure-context', 'chromium')).toMatchObject({ verdict: 'pass', browser: 'chromium' });
    expect(find(checks, 'https.browser.secure-context', 'webkit')).toMatchObject({
      verdict: 'not-run',
      browser: 'webkit',
      reason: 'WebKit is not installed (npx playwright install webkit)',
    });
    expect(checks).toHaveLength(8);
  });

  test('counts a check that passed only on retry as failed, flagged and explained', () => {
    const r = run.report!;
    const flaky = find(r.checks, 'https.http.redirect');
    expect(flaky).toMatchObject({ verdict: 'fail', flaky: true, attempts: 2 });
    expect(flaky.diagnosis).toContain('passed only on retry');
    expect(flaky.diagnosis).toContain('port 80 reset the connection');
    expect(r.summary.notes.find((n) => n.startsWith('Passed only on retry'))).toContain('https.http.redirect (platform)');
  });

  test('is not certified, says which must checks failed, and counts the non-check test in a note', () => {
    const s = run.report!.summary;
    expect(s.certified).toBe(false);
    expect(s.status).toBe('not-certified');
    expect(s.mustFailed.sort()).toEqual(['blur.assets.wasm.served (platform)', 'https.http.redirect (platform)']);
    // webkit's browser is absent: its check is not-run with the reason, but does not block.
    expect(s.mustNotRun.sort()).toEqual(['talk.installed (platform)']);
    expect(s.notes.join('\n')).toContain('browser is not installed here: webkit');
    expect(s.counts).toEqual({ pass: 2, fail: 2, warn: 1, 'not-applicable': 1, 'not-run': 2 });
    expect(s.notes.find((n) => n.includes('without a talk-certify:check annotation'))).toMatch(/^1 test\(s\).*a helper test that is not a check/);
    expect(run.exitCode).toBe(1);
  });

  test('orders checks by catalogue area, then id, then browser', () => {
    expect(run.report!.checks.map((c) => `${c.id} ${c.project}`)).toEqual([
      'https.browser.secure-context chromium',
      'https.browser.secure-context webkit',
      'https.hsts platform',
      'https.http.redirect platform',
      'https.tls.valid platform',
      'talk.installed platform',
      'blur.assets.tflite.served platform',
      'blur.assets.wasm.served platform',
    ]);
  });

  test('writes certification.md with the verdict, the failing check, its diagnosis and remedy', () => {
    const md = run.markdown;
    expect(md).not.toBeNull();
    expect(md!).toContain('# Nextcloud Talk certification: NOT CERTIFIED');
    expect(md!).toContain('| Check | Title | Browser | Verdict | Criterion | Observed |');
    const section = md!.slice(md!.indexOf('### ✘ fail: `blur.assets.wasm.served`'));
    expect(section).toContain('the web server answers 404 for the .wasm files of background blur');
    expect(section).toContain('"status": 404');
    expect(section).toContain('**Remedy:** remedy of blur.assets.wasm.served');
  });

  test('coexists with the html and allure-playwright reporters and prints the report paths', () => {
    expect(existsSync(path.join(run.dir, 'reports', 'html', 'index.html'))).toBe(true);
    expect(readdirSync(path.join(run.dir, 'reports', 'allure-results')).some((f) => f.endsWith('-result.json'))).toBe(true);
    expect(run.stdout).toContain('reports/certification.json');
    expect(run.stdout).toContain('reports/html/index.html');
    expect(run.stdout).toContain('reports/allure-results');
  });
});

test('a global setup error leaves every catalogue check not-run with the error, and the run incomplete', async () => {
  const run = await runInlineProject({
    'playwright.config.ts': `
      export default {
        testDir: '.',
        globalSetup: './setup.ts',
        reporter: [${reporterEntry({})}],
        projects: [
          { name: 'platform', testMatch: 'platform.spec.ts' },
          { name: 'chromium', testMatch: 'browser.spec.ts',
            metadata: { talkBrowser: { project: 'chromium', name: 'chromium', version: '131', channel: null, executable: null, notRunReason: null } } },
        ],
      };`,
    'setup.ts': `
      import { writeFileSync } from 'node:fs';
      export default async function () {
        const message = 'GET https://cloud.example.test/status.php failed: connect ECONNREFUSED 192.0.2.1:443';
        writeFileSync('state.json', JSON.stringify({
          kind: 'url', url: 'https://cloud.example.test/', profile: null, nextcloudVersion: null, talkVersion: null,
          runId: 'tc-selftest', error: { code: 'TARGET_UNAVAILABLE', message },
        }));
        throw new Error(message);
      }`,
    'platform.spec.ts': `
      import { test } from '@playwright/test';
      import { check } from './check.ts';
      test('never reached', check('talk.installed', 'must'), async () => {});
    `,
    'browser.spec.ts': `
      import { test } from '@playwright/test';
      test('not a check', async () => {});
    `,
  });
  expect(run.report, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).not.toBeNull();
  const r = run.report!;
  expect(run.exitCode).not.toBe(0);
  expect(r.error).toEqual({ code: 'TARGET_UNAVAILABLE', message: 'GET https://cloud.example.test/status.php failed: connect ECONNREFUSED 192.0.2.1:443' });
  expect(r.summary).toMatchObject({ certified: false, status: 'incomplete', mustFailed: [] });
  // The runner loads no test file after a global setup failure: what was never reached is the catalogue.
  const expected = CHECKS.flatMap((c) => (c.runsIn === 'node' ? [`${c.id} platform`] : [`${c.id} chromium`])).sort();
  expect(r.checks.map((c) => `${c.id} ${c.project}`).sort()).toEqual(expected);
  for (const c of r.checks) {
    expect(c).toMatchObject({ verdict: 'not-run', attempts: 0 });
    expect(c.reason).toBe('did not run: global setup failed (TARGET_UNAVAILABLE): GET https://cloud.example.test/status.php failed: connect ECONNREFUSED 192.0.2.1:443');
  }
  expect(r.summary.notes[0]).toContain('ECONNREFUSED');
  expect(run.markdown).toContain('# Nextcloud Talk certification: INCOMPLETE');
  expect(run.markdown).toContain('## Run error');
});

test('checks never reached after maxFailures are not-run with that reason; quiet prints nothing of ours', async () => {
  const run = await runInlineProject({
    'state.json': STATE,
    'playwright.config.ts': `
      export default {
        testDir: '.',
        workers: 1,
        maxFailures: 1,
        reporter: [${reporterEntry({ coverage: 'run', quiet: true })}],
        projects: [{ name: 'platform' }],
      };`,
    'platform.spec.ts': `
      import { test, expect } from '@playwright/test';
      import { check } from './check.ts';
      test('fails first', check('https.tls.valid', 'must'), async () => { expect(1, 'handshake').toBe(2); });
      test('never reached', check('talk.installed', 'must'), async () => {});
    `,
  });
  expect(run.report, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).not.toBeNull();
  const checks = run.report!.checks;
  expect(find(checks, 'https.tls.valid').verdict).toBe('fail');
  expect(find(checks, 'talk.installed')).toMatchObject({
    verdict: 'not-run',
    attempts: 0,
    reason: 'did not run: the run stopped after 1 failed test(s) (maxFailures)',
  });
  expect(run.report!.summary.status).toBe('not-certified');
  // Quiet: Playwright's own terminal reporter prints instead of ours.
  expect(run.stdout).not.toContain('certification.json');
  expect(run.stdout).not.toContain('✘ fail');
});

test('a secret from the environment appears in no report and not on stdout', async () => {
  const SECRET = 'Zebra-Hunter2-7f3a9c51';
  // The reference platform's generated passwords reach the workers only inside the resolved target.
  const GENERATED = 'Generated-Admin-4e1d77b0';
  const run = await runInlineProject(
    {
      'state.json': STATE,
      'playwright.config.ts': `
        export default {
          testDir: '.',
          workers: 1,
          reporter: [${reporterEntry({ coverage: 'run' })}],
          projects: [{ name: 'platform' }],
        };`,
      'platform.spec.ts': `
        import { test, expect } from '@playwright/test';
        import { check, evidence } from './check.ts';
        const secret = process.env.TALK_PASSWORD!;
        test('leaks into evidence and error', check('talk.installed', 'must'), async ({}, testInfo) => {
          console.log('logging in with ' + secret);
          await evidence(testInfo, {
            observed: 'login as alice:' + secret + ' refused',
            diagnosis: 'the password ' + secret + ' was refused',
            details: { url: 'https://alice:' + encodeURIComponent(secret) + '@cloud.example.test/', body: 'pw=' + secret, password: 'x' + secret },
          });
          console.log('admin is ' + JSON.parse(process.env.TALK_CERTIFY_RESOLVED!).admin.password);
          throw new Error('login failed with ' + secret);
        });
        test('leaks into the error only', check('https.tls.valid', 'must'), async () => {
          expect('Authorization: Basic ' + Buffer.from('alice:' + secret).toString('base64'), 'as ' + secret).toBe('');
        });
        test('leaks into a skip reason', check('https.hsts', 'should'), async ({}, testInfo) => {
          testInfo.skip(true, 'skipped for ' + secret);
        });
      `,
    },
    { env: { TALK_PASSWORD: SECRET, TALK_CERTIFY_RESOLVED: JSON.stringify({ url: 'https://cloud.example.test/', admin: { user: 'admin', password: GENERATED } }) } },
  );
  expect(run.report, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).not.toBeNull();
  expect(run.reportText).not.toContain(SECRET);
  expect(run.markdown).not.toContain(SECRET);
  expect(run.stdout).not.toContain(SECRET);
  expect(run.stdout).toContain('logging in with <redacted>');
  expect(run.stdout).toContain('admin is <redacted>');
  expect(run.stdout).not.toContain(GENERATED);
  expect(run.reportText).not.toContain(encodeURIComponent(SECRET));
  // The checks are still reported, with the secret replaced.
  const leaky = find(run.report!.checks, 'talk.installed');
  expect(leaky.observed).toBe('login as alice:<redacted> refused');
  expect(leaky.evidence.password).toBe('<redacted>');
  expect(find(run.report!.checks, 'https.hsts').reason).toBe('skipped for <redacted>');
});

test('a malformed check annotation and unreadable evidence are reported in notes, not silently dropped', async () => {
  const run = await runInlineProject({
    'state.json': STATE,
    'playwright.config.ts': `
      export default {
        testDir: '.',
        workers: 1,
        reporter: [${reporterEntry({ coverage: 'run' })}],
        projects: [{ name: 'platform' }],
      };`,
    'platform.spec.ts': `
      import { test } from '@playwright/test';
      import { check } from './check.ts';
      test('malformed', { annotation: { type: 'talk-certify:check', description: '{"id":"https.hsts"' } }, async () => {});
      test('bad evidence', check('https.tls.valid', 'must'), async ({}, testInfo) => {
        await testInfo.attach('talk-certify-evidence', { body: 'not json', contentType: 'application/json' });
      });
    `,
  });
  expect(run.report, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).not.toBeNull();
  const r = run.report!;
  expect(r.checks.map((c) => c.id)).toEqual(['https.tls.valid']);
  expect(find(r.checks, 'https.tls.valid')).toMatchObject({ verdict: 'pass', observed: 'not observed', evidence: {} });
  expect(r.summary.notes.some((n) => n.includes('malformed talk-certify:check annotation'))).toBe(true);
  expect(r.summary.notes.some((n) => n.startsWith('https.tls.valid') && n.includes('is not JSON'))).toBe(true);
});

test('listing tests with --list writes no certification and leaves the listing to Playwright', async () => {
  const run = await runInlineProject(
    {
      'state.json': STATE,
      'playwright.config.ts': `
        export default {
          testDir: '.',
          reporter: [${reporterEntry({})}],
          projects: [{ name: 'platform' }],
        };`,
      'platform.spec.ts': `
        import { test } from '@playwright/test';
        import { check } from './check.ts';
        test('listed', check('https.tls.valid', 'must'), async () => {});
      `,
    },
    { args: ['--list'] },
  );
  expect(run.exitCode).toBe(0);
  expect(run.reportText).toBeNull();
  expect(run.stdout).toContain('Total: 1 test in 1 file');
});

test('a state file left by an earlier run is ignored, with a note', async () => {
  const run = await runInlineProject({
    'state.json': JSON.stringify({ ...JSON.parse(STATE), runId: 'tc-earlier-run' }),
    'playwright.config.ts': `
      export default {
        testDir: '.',
        reporter: [${reporterEntry({ coverage: 'run' })}],
        projects: [{ name: 'platform' }],
      };`,
    'platform.spec.ts': `
      import { test } from '@playwright/test';
      import { check } from './check.ts';
      test('passes', check('https.tls.valid', 'must'), async () => {});
    `,
  });
  expect(run.report, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).not.toBeNull();
  const r = run.report!;
  expect(r.target).toEqual({ kind: 'unknown', url: 'unknown', profile: null });
  expect(r.versions.nextcloud).toBeNull();
  expect(r.summary.notes.some((n) => n.includes('written by run tc-earlier-run'))).toBe(true);
});

test('a global setup that fails before writing the state still yields an incomplete certification with its error', async () => {
  const run = await runInlineProject({
    'playwright.config.ts': `
      export default {
        testDir: '.',
        globalSetup: './setup.ts',
        reporter: [${reporterEntry({ coverage: 'run' })}],
        projects: [{ name: 'platform' }],
      };`,
    'setup.ts': `
      export default async function () {
        throw new Error('Configuration error: TALK_URL must be an https:// URL');
      }`,
    'platform.spec.ts': `
      import { test } from '@playwright/test';
      import { check } from './check.ts';
      test('never reached', check('https.tls.valid', 'must'), async () => {});
    `,
  });
  expect(run.report, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).not.toBeNull();
  const r = run.report!;
  expect(run.exitCode).not.toBe(0);
  expect(r.error?.code).toBe('RUN_ERROR');
  expect(r.error?.message).toContain('TALK_URL must be an https:// URL');
  expect(r.summary).toMatchObject({ certified: false, status: 'incomplete' });
  expect(r.summary.notes.some((n) => n.startsWith('No target state at'))).toBe(true);
});
