import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CHECKS } from '../../../src/verdict/catalogue.ts';
import { FAULT_TABLES } from '../faults/index.ts';
import type { FaultTable } from '../faults/types.ts';

/**
 * "A check that cannot fail is a defect", caught mechanically (issue 15 point 2): every check in
 * the catalogue is broken — expected `fail` or `warn` — by at least one reference profile in the
 * fault tables (tests/selftest/faults), or is named below with why no fault profile exists for it
 * yet. A new check added to the catalogue without a fault makes this test fail.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Real gaps: no reference profile breaks these yet, and why. */
const NO_FAULT_PROFILE_YET: Record<string, string> = {
  'browser.supported':
    'the verdict depends on the browser, not the platform: it would need an unsupported browser build installed here (its logic is unit-tested in tests/selftest/unit/browser-support.spec.ts)',
  'call.interop': 'needs a fault that breaks only calls between different browser engines (e.g. no codec both offer); none is modelled yet',
  'mobile.web': 'needs a profile whose mobile-sized page fails while the desktop page works; none is modelled yet',
};

/** The check ids a table expects to fail or warn on some profile. */
function brokenBy(tables: readonly FaultTable[]): Set<string> {
  const broken = new Set<string>();
  const breaks = (v: string) => v === 'fail' || v === 'warn';
  for (const table of tables) {
    for (const row of table.rows) {
      for (const [key, e] of Object.entries(row.expected)) if (breaks(e.verdict)) broken.add(key.split('@')[0]!);
      if (row.otherwise && breaks(row.otherwise.verdict)) for (const id of row.checks) if (!(id in row.expected)) broken.add(id);
    }
  }
  return broken;
}

test('every catalogue check is broken by some fault profile, or says why not', () => {
  const broken = brokenBy(FAULT_TABLES);
  const unbroken = CHECKS.map((c) => c.id as string).filter((id) => !broken.has(id) && !(id in NO_FAULT_PROFILE_YET));
  expect(unbroken, 'checks no fault profile breaks: add a row to a fault table (tests/selftest/faults), or name the gap in NO_FAULT_PROFILE_YET').toEqual([]);
});

test('the gap list stays honest: no entry for a check the tables already break, none for an unknown check', () => {
  const broken = brokenBy(FAULT_TABLES);
  const ids = new Set(CHECKS.map((c) => c.id as string));
  for (const id of Object.keys(NO_FAULT_PROFILE_YET)) {
    expect(ids.has(id), `${id} is in the catalogue`).toBe(true);
    expect(broken.has(id), `${id} is already broken by a fault table: drop it from the list`).toBe(false);
  }
});

test('a table run by its own spec is run there', () => {
  // faults.spec.ts leaves such tables out; the spec it names must exist and pick it by that name.
  for (const table of FAULT_TABLES.filter((t) => t.spec)) {
    const file = path.join(ROOT, 'tests/selftest', table.spec!);
    expect(readFileSync(file, 'utf8'), `${file} runs the ${table.area} table`).toContain(`t.spec === '${table.spec}'`);
  }
  expect(FAULT_TABLES.find((t) => t.area === 'hpb')?.spec).toBe('hpb/faults.spec.ts');
});

test('a check without a fault is caught', () => {
  const table: FaultTable = {
    area: 'example',
    rules: {},
    rows: [
      {
        profile: 'x',
        run: { browsers: ['chromium'], tags: 'all' },
        checks: ['https.tls.valid', 'https.hsts'],
        expected: { 'https.tls.valid': { verdict: 'fail' }, 'https.hsts': { verdict: 'pass' } },
      },
    ],
  };
  const broken = brokenBy([table]);
  expect(broken.has('https.tls.valid')).toBe(true);
  expect(broken.has('https.hsts')).toBe(false);
  // `otherwise` breaks every check of the row it does not name.
  expect(brokenBy([{ ...table, rows: [{ ...table.rows[0]!, expected: {}, otherwise: { verdict: 'warn' } }] }]).has('https.hsts')).toBe(true);
});
