import type { Expectation, FaultRow, FaultTable } from './types.ts';

/**
 * The database and Talk (installed, signaling, mobile API) checks through the real CLI on the
 * reference platform (Chromium only: none of them runs in a browser). Each profile asserts only
 * these checks.
 */

const MINE = ['database.not-sqlite', 'database.version', 'database.utf8mb4', 'talk.installed', 'talk.signaling.hpb', 'talk.mobile.api'];

const INTERNAL: Expectation = { verdict: 'warn', diagnosis: /internal signaling.*small and medium installations.*max\. 2-3 participants/ };

function row(profile: string, expected: Record<string, Expectation>): FaultRow {
  return { profile, run: { browsers: ['chromium'], tags: ['database', 'talk'] }, checks: MINE, expected };
}

export const DATABASE_FAULTS: FaultTable = {
  area: 'database',
  rules: { observed: true, notRunReason: true },
  rows: [
    // The reference platform runs Talk's internal signaling (no HPB is modelled): a warning, honestly.
    row('good', { 'talk.signaling.hpb': INTERNAL }),
    row('sqlite', {
      'database.not-sqlite': { verdict: 'fail', diagnosis: /runs on SQLite \(dbtype sqlite3/ },
      'database.version': { verdict: 'warn', diagnosis: /SQLite 3\.40\.1 has no supported version/ },
      'talk.signaling.hpb': INTERNAL,
    }),
    row('old-database', { 'database.version': { verdict: 'warn', diagnosis: /MariaDB 10\.3\.39 is outside .* 10\.6–11\.8/ }, 'talk.signaling.hpb': INTERNAL }),
    row('no-utf8mb4', {
      'database.utf8mb4': {
        verdict: 'fail',
        diagnosis: /conversation name with U\+1F600 U\+1D11E was rejected with HTTP 500.*chat message .* rejected with HTTP 400: the database cannot store 4-byte UTF-8/,
      },
      'talk.signaling.hpb': INTERNAL,
    }),
    row('talk-disabled', {
      'talk.installed': { verdict: 'fail', diagnosis: /installed and enabled on the server but not enabled for this user \(alice\).*groups/ },
      'talk.mobile.api': {
        verdict: 'fail',
        diagnosis: /the Talk apps cannot be used by alice: the capabilities have no `spreed` entry.*not enabled for this user; the apps report "Talk not installed"/,
      },
      'talk.signaling.hpb': { verdict: 'not-run' },
      'database.utf8mb4': { verdict: 'not-run' },
    }),
    row('talk-missing', {
      'talk.installed': { verdict: 'fail', diagnosis: /no `spreed` entry.*not installed or not enabled on the server/ },
      'talk.mobile.api': { verdict: 'fail', diagnosis: /the Talk apps cannot be used by alice: the capabilities have no `spreed` entry/ },
      'talk.signaling.hpb': { verdict: 'not-run' },
      'database.utf8mb4': { verdict: 'not-run' },
    }),
  ],
};
