import { expect, test } from '@playwright/test';
import type { Verdict } from '../../../src/verdict/types.ts';
import { type CertifyRun, runCertify } from '../certification/run-certify.ts';

/**
 * The database and Talk (installed, signaling, mobile API) checks through the real CLI on the reference platform
 * (Chromium only: none of them runs in a browser). Each profile asserts only these checks.
 */

const MINE = ['database.not-sqlite', 'database.version', 'database.utf8mb4', 'talk.installed', 'talk.signaling.hpb', 'talk.mobile.api'];
type Expectation = { verdict: Verdict; diagnosis?: RegExp };

const INTERNAL = { verdict: 'warn', diagnosis: /internal signaling.*small and medium installations.*max\. 2-3 participants/ } as const;

const CASES: { profile: string; expected: Record<string, Expectation> }[] = [
  // The reference platform runs Talk's internal signaling (no HPB is modelled): a warning, honestly.
  { profile: 'good', expected: { 'talk.signaling.hpb': INTERNAL } },
  {
    profile: 'sqlite',
    expected: {
      'database.not-sqlite': { verdict: 'fail', diagnosis: /runs on SQLite \(dbtype sqlite3/ },
      'database.version': { verdict: 'warn', diagnosis: /SQLite 3\.40\.1 has no supported version/ },
      'talk.signaling.hpb': INTERNAL,
    },
  },
  {
    profile: 'old-database',
    expected: { 'database.version': { verdict: 'warn', diagnosis: /MariaDB 10\.3\.39 is outside .* 10\.6–11\.8/ }, 'talk.signaling.hpb': INTERNAL },
  },
  {
    profile: 'no-utf8mb4',
    expected: {
      'database.utf8mb4': { verdict: 'fail', diagnosis: /conversation name with U\+1F600 U\+1D11E was rejected with HTTP 500.*chat message .* rejected with HTTP 400: the database cannot store 4-byte UTF-8/ },
      'talk.signaling.hpb': INTERNAL,
    },
  },
  {
    profile: 'talk-disabled',
    expected: {
      'talk.installed': { verdict: 'fail', diagnosis: /installed and enabled on the server but not enabled for this user \(alice\).*groups/ },
      'talk.mobile.api': { verdict: 'fail', diagnosis: /the Talk apps cannot be used by alice: the capabilities have no `spreed` entry.*not enabled for this user; the apps report "Talk not installed"/ },
      'talk.signaling.hpb': { verdict: 'not-run' },
      'database.utf8mb4': { verdict: 'not-run' },
    },
  },
  {
    profile: 'talk-missing',
    expected: {
      'talk.installed': { verdict: 'fail', diagnosis: /no `spreed` entry.*not installed or not enabled on the server/ },
      'talk.mobile.api': { verdict: 'fail', diagnosis: /the Talk apps cannot be used by alice: the capabilities have no `spreed` entry/ },
      'talk.signaling.hpb': { verdict: 'not-run' },
      'database.utf8mb4': { verdict: 'not-run' },
    },
  },
];

for (const c of CASES) {
  test.describe(`database/talk checks on reference profile ${c.profile}`, () => {
    let run: CertifyRun;
    test.beforeAll(async () => {
      run = await runCertify({ TALK_PROFILE: c.profile, TALK_BROWSERS: 'chromium' }, ['--', '--grep', '@database|@talk']);
    });

    test('each database/talk check has the expected verdict and diagnosis', () => {
      const problems: string[] = [];
      for (const id of MINE) {
        const found = run.report.checks.filter((ch) => ch.id === id);
        if (found.length !== 1) {
          problems.push(`${id}: ${found.length} results`);
          continue;
        }
        const check = found[0]!;
        const want = c.expected[id] ?? { verdict: 'pass' };
        if (check.verdict !== want.verdict) problems.push(`${id}: expected ${want.verdict}, got ${check.verdict} — ${check.diagnosis ?? check.reason ?? check.observed}`);
        else if (want.diagnosis && !want.diagnosis.test(check.diagnosis ?? '')) problems.push(`${id}: diagnosis "${check.diagnosis}" does not match ${want.diagnosis}`);
        if (check.verdict === 'not-run' && !check.reason) problems.push(`${id}: not-run without a reason`);
        if (check.verdict !== 'not-run' && !check.observed) problems.push(`${id}: no observed value`);
      }
      expect(problems, run.output).toEqual([]);
    });
  });
}
