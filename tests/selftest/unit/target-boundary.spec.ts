import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/**
 * Issue 15 point 3: the reference platform sits behind the target boundary. What certifies
 * (the check specs, their fixtures, and the src/ code they run) sees a ResolvedTarget
 * (src/targets/types.ts) and nothing of the platform that was started: no import of
 * src/reference/ or of a target adapter, and no branch on which kind of target or profile it is.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const CERTIFYING = ['fixtures', 'tests/certification', 'src/talk', 'src/turn', 'src/verdict', 'src/load', 'src/browsers', 'src/reporter'];
/** Only the dispatcher (src/targets/index.ts) and the CLIs may know the adapters. */
const ADAPTERS = /from\s+'[^']*\/(reference\/[^']*|targets\/(reference|url|testcontainers\/[^']*))(\.ts)?'/;
const BRANCH_ON_KIND = /\b(target|resolved)\??\.(kind|profile)\s*[!=]==|\bkind\s*===\s*'(reference|url|testcontainers)'|\bprofile\s*===\s*'/;

function files(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  return readdirSync(abs).flatMap((name) => {
    const p = path.join(abs, name);
    return statSync(p).isDirectory() ? files(path.join(dir, name)) : name.endsWith('.ts') ? [path.join(dir, name)] : [];
  });
}

test('checks, fixtures and the code they run import nothing of the reference platform or of a target adapter', () => {
  const all = CERTIFYING.flatMap(files);
  expect(all.length).toBeGreaterThan(50);
  const offending = all.flatMap((f) =>
    readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => ADAPTERS.test(line))
      .map(({ line, i }) => `${f}:${i + 1}: ${line.trim()}`),
  );
  expect(offending).toEqual([]);
});

test('no check or fixture branches on the kind of target or its profile (what differs is data the target provides)', () => {
  const offending = CERTIFYING.flatMap(files).flatMap((f) =>
    readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => !/^\s*(\*|\/\/)/.test(line) && BRANCH_ON_KIND.test(line))
      .map(({ line, i }) => `${f}:${i + 1}: ${line.trim()}`),
  );
  expect(offending).toEqual([]);
});

test('the patterns catch what they are meant to catch', () => {
  // A guard that cannot fail is no guard: the lines the two tests above reject.
  expect(ADAPTERS.test("import { startReferencePlatform } from '../src/reference/index.ts';")).toBe(true);
  expect(ADAPTERS.test("import { startUrlTarget } from '../../src/targets/url.ts';")).toBe(true);
  expect(ADAPTERS.test("import type { ResolvedTarget } from '../src/targets/index.ts';")).toBe(false);
  expect(BRANCH_ON_KIND.test("if (target.kind === 'reference') {")).toBe(true);
  expect(BRANCH_ON_KIND.test("const sim = target.profile === 'turn-blocked';")).toBe(true);
  expect(BRANCH_ON_KIND.test("if (restricted.kind === 'declared') {")).toBe(false);
});
