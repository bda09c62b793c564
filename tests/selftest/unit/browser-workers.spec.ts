import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CHECKS } from '../../../src/verdict/catalogue.ts';

/**
 * Issue 14: Playwright gives a test a worker by its project, its worker-scoped fixtures and its
 * worker-scoped options (`trace` among them): tests that differ in any of these never share a
 * worker. Each browser worker launches its browser and logs in again, so the browser checks must
 * all look the same to it:
 * - every browser check's spec sets `test.use({ trace: 'off' })` (the call, TURN and HPB media
 *   checks must run untraced: their pages receive Talk's TURN credentials);
 * - the worker-scoped fixtures are all composed into fixtures/index.ts's `test`: the fixture files
 *   that extend it (call.ts, turn.ts) add test-scoped fixtures only.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const CERT_DIR = path.join(ROOT, 'tests', 'certification');
const FIXTURES_DIR = path.join(ROOT, 'fixtures');

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? specFiles(path.join(dir, e.name)) : e.name.endsWith('.spec.ts') ? [path.join(dir, e.name)] : [],
  );
}

function specOf(id: string): string {
  const file = specFiles(CERT_DIR).find((f) => readFileSync(f, 'utf8').includes(`check('${id}')`));
  if (!file) throw new Error(`no spec for ${id}`);
  return file;
}

test('every browser check sets the same worker options: trace off, and nothing else worker-scoped', () => {
  const browserChecks = CHECKS.filter((c) => c.runsIn === 'browser');
  expect(browserChecks.length).toBeGreaterThan(5);
  for (const c of browserChecks) {
    const source = readFileSync(specOf(c.id), 'utf8');
    const uses = [...source.matchAll(/^test\.use\((\{[^}]*\})\);$/gm)].map((m) => m[1]!);
    expect(uses, `${c.id}: one top-level test.use`).toHaveLength(1);
    // bypassCSP is a test-scoped (context) option; trace is the only worker-scoped one a spec sets.
    expect(uses[0], c.id).toMatch(/^\{ trace: 'off'(, bypassCSP: true)? \}$/);
  }
});

test('fixture files that extend fixtures/index.ts add no worker-scoped fixture (those belong in its one `test`)', () => {
  const index = readFileSync(path.join(FIXTURES_DIR, 'index.ts'), 'utf8');
  const extenders = readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.ts') && readFileSync(path.join(FIXTURES_DIR, f), 'utf8').includes("from './index.ts'"));
  expect(extenders).toEqual(expect.arrayContaining(['call.ts', 'turn.ts']));
  for (const f of extenders) expect(readFileSync(path.join(FIXTURES_DIR, f), 'utf8'), f).not.toMatch(/scope: 'worker'/);
  // The TURN checks' relay browser is one of index.ts's worker fixtures.
  expect(index).toContain("from './relay-browser.ts'");
  expect(index).toMatch(/mergeTests\([^)]*relayBrowserTest[^)]*\)/);
});
