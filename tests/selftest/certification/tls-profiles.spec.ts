import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { TLS_INDEPENDENT_CHECKS } from '../../../src/targets/index.ts';
import { CHECKS } from '../../../src/verdict/catalogue.ts';
import { EXIT_NOT_CERTIFIED } from '../../../src/verdict/outcome.ts';
import { type CertifyRun, runCertify } from './run-certify.ts';

/**
 * Issue 12 point 6: a TLS certificate for another host name, or an expired one, is a verdict, not
 * unusable input. A whole certification (every area, Chromium) against the reference profiles
 * tls-wrong-host and tls-expired: exit 1, a written report in which https.tls.valid fails with the
 * names or dates, and every check that needs valid TLS not run, citing https.tls.valid.
 */

const CASES = [
  {
    profile: 'tls-wrong-host',
    diagnosis: /the certificate is not for 10\.213\.\d+\.2: it names only DNS:other-host\.talk-certify\.test/,
    observed: /host name does not match \(certificate names DNS:other-host\.talk-certify\.test\)/,
  },
  {
    profile: 'tls-expired',
    diagnosis: /the certificate expired on \S+ \(valid from \S+ to \S+; 1 day\(s\) ago\)/,
    observed: /expired \d{4}-/,
  },
];

for (const c of CASES) {
  test.describe(`reference profile ${c.profile}`, () => {
    let run: CertifyRun;
    test.beforeAll(async () => {
      run = await runCertify({ TALK_PROFILE: c.profile, TALK_BROWSERS: 'chromium' });
    });

    test('exits 1 (NOT CERTIFIED) with a written report, not 2 (unusable input)', () => {
      expect(run.exitCode, run.output).toBe(EXIT_NOT_CERTIFIED);
      expect(run.report.error).toBeNull();
      expect(run.report.summary).toMatchObject({ status: 'not-certified', exitCode: EXIT_NOT_CERTIFIED, mustFailed: ['https.tls.valid (platform)'] });
      expect(existsSync(path.join(run.reportDir, 'certification.md'))).toBe(true);
      expect(run.output).toMatch(/TLS certificate is not valid/);
      // What the run could not find out without TLS is said, not guessed.
      expect(run.report.versions.nextcloud).toBeNull();
      expect(run.report.versions.talkNote).toMatch(/not established, the TLS certificate is not valid/);
    });

    test('https.tls.valid fails with the names or dates and the TALK_CA_FILE remedy; every other check but the plain-http redirect is not run, citing it', () => {
      const tls = run.report.checks.find((ch) => ch.id === 'https.tls.valid')!;
      expect(tls.verdict).toBe('fail');
      expect(tls.diagnosis).toMatch(c.diagnosis);
      expect(tls.observed).toMatch(c.observed);
      expect(tls.remedy).toContain('TALK_CA_FILE');
      expect(run.report.checks.find((ch) => ch.id === 'https.http.redirect')?.verdict).toBe('pass');
      const dependent = run.report.checks.filter((ch) => !TLS_INDEPENDENT_CHECKS.includes(ch.id));
      // Every catalogue check but the two is there, once from Node or once for Chromium.
      expect(new Set(dependent.map((ch) => ch.id))).toEqual(new Set(CHECKS.map((d) => d.id).filter((id) => !TLS_INDEPENDENT_CHECKS.includes(id))));
      const wrong = dependent.filter((ch) => ch.verdict !== 'not-run' || !/not run: the TLS certificate of 10\.213\.\d+\.2 is not valid \(.*\); see https\.tls\.valid/.test(ch.reason ?? ''));
      expect(wrong.map((ch) => `${ch.id} [${ch.project}]: ${ch.verdict} — ${ch.reason ?? ch.diagnosis}`), run.output).toEqual([]);
      const md = readFileSync(path.join(run.reportDir, 'certification.md'), 'utf8');
      expect(md).toContain('**NOT CERTIFIED (exit 1):** 1 must check(s) failed: https.tls.valid (platform).');
      expect(md).toContain('## Not established');
    });
  });
}
