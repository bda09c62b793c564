import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';
import { TLS_INDEPENDENT_CHECKS } from '../../../src/targets/index.ts';
import { EXIT_NOT_CERTIFIED } from '../../../src/verdict/outcome.ts';
import type { CertifyRun } from '../certification/run-certify.ts';
import { catalogueIds, type Expectation, type FaultRow, type FaultTable, type RunShape } from './types.ts';

/**
 * Issue 12 point 6: a TLS certificate for another host name, or an expired one, is a verdict, not
 * unusable input. A whole certification (every area, Chromium) against the reference profiles
 * tls-wrong-host and tls-expired: exit 1, a written report in which https.tls.valid fails with the
 * names or dates, and every check that needs valid TLS not run, citing https.tls.valid (only the
 * plain-http redirect, which needs no TLS, still passes).
 */

const RUN: RunShape = { browsers: ['chromium'], tags: 'all' };
const NEEDS_VALID_TLS: Expectation = { verdict: 'not-run', reason: /not run: the TLS certificate of 10\.213\.\d+\.2 is not valid \(.*\); see https\.tls\.valid/ };

const RUN_EXTRAS = [
  {
    title: 'exits 1 (NOT CERTIFIED) with a written report, not 2 (unusable input)',
    assert: (run: CertifyRun) => {
      expect(run.exitCode, run.output).toBe(EXIT_NOT_CERTIFIED);
      expect(run.report.error).toBeNull();
      expect(run.report.summary).toMatchObject({ status: 'not-certified', exitCode: EXIT_NOT_CERTIFIED, mustFailed: ['https.tls.valid (platform)'] });
      expect(existsSync(path.join(run.reportDir, 'certification.md'))).toBe(true);
      expect(run.output).toMatch(/TLS certificate is not valid/);
      // What the run could not find out without TLS is said, not guessed.
      expect(run.report.versions.nextcloud).toBeNull();
      expect(run.report.versions.talkNote).toMatch(/not established, the TLS certificate is not valid/);
    },
  },
  {
    title: 'https.tls.valid gives the TALK_CA_FILE remedy; the Markdown report names the failure and what was not established',
    assert: (run: CertifyRun) => {
      expect(run.report.checks.find((ch) => ch.id === 'https.tls.valid')!.remedy).toContain('TALK_CA_FILE');
      const md = readFileSync(path.join(run.reportDir, 'certification.md'), 'utf8');
      expect(md).toContain('**NOT CERTIFIED (exit 1):** 1 must check(s) failed: https.tls.valid (platform).');
      expect(md).toContain('## Not established');
    },
  },
];

function row(profile: string, tlsValid: Expectation): FaultRow {
  return {
    profile,
    run: RUN,
    checks: catalogueIds(() => true),
    expected: { 'https.tls.valid': tlsValid, ...Object.fromEntries(TLS_INDEPENDENT_CHECKS.filter((id) => id !== 'https.tls.valid').map((id) => [id, { verdict: 'pass' }])) },
    otherwise: NEEDS_VALID_TLS,
    extras: RUN_EXTRAS,
  };
}

export const TLS_FAULTS: FaultTable = {
  area: 'tls',
  rules: {},
  rows: [
    row('tls-wrong-host', {
      verdict: 'fail',
      diagnosis: /the certificate is not for 10\.213\.\d+\.2: it names only DNS:other-host\.talk-certify\.test/,
      observed: /host name does not match \(certificate names DNS:other-host\.talk-certify\.test\)/,
    }),
    row('tls-expired', {
      verdict: 'fail',
      diagnosis: /the certificate expired on \S+ \(valid from \S+ to \S+; 1 day\(s\) ago\)/,
      observed: /expired \d{4}-/,
    }),
  ],
};
