import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

/**
 * Issue 15 point 3: the Nextcloud samples and Talk facts that comments cite are kept inside the
 * repository (docs/reference/), so a cloner can follow every citation; none points outside it.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DIRS = ['src', 'fixtures', 'tests', 'scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|js|sh)$/.test(name) ? [p] : [];
  });
}
const FILES = DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d)));

test('every docs/reference/ file a comment cites exists in the repository', () => {
  const missing: string[] = [];
  let cited = 0;
  for (const f of FILES) {
    for (const m of readFileSync(f, 'utf8').matchAll(/docs\/reference\/[\w.-]+(?:\/[\w.-]*)*/g)) {
      cited++;
      // `ocs-wrongpass-user.*` and a trailing sentence dot name a file (or files) by prefix.
      const cite = m[0].replace(/\.+$/, '');
      const target = path.join(ROOT, cite);
      const ok = existsSync(target) || readdirSync(path.dirname(target)).some((n) => n.startsWith(path.basename(target)));
      if (!ok) missing.push(`${path.relative(ROOT, f)}: ${m[0]}`);
    }
  }
  expect(cited).toBeGreaterThan(20);
  expect(missing).toEqual([]);
});

test("no source cites files outside the repository (the workplace's ../shared)", () => {
  const outside = FILES.filter((f) => /\.\.\/shared\/|(?<![\w/-])shared\/(nc32-samples|talk-reference)/.test(readFileSync(f, 'utf8'))).map((f) => path.relative(ROOT, f));
  expect(outside).toEqual([]);
});
