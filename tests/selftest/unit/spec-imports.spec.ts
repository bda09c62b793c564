import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import ts from 'typescript';

/**
 * Issue 15 point 1: one home per check. A check is its spec, tests/certification/<area>/<name>.spec.ts,
 * with its logic (what decides the verdict and gathers the evidence) in a module beside it
 * (tests/certification/<area>/<module>.ts). Fixtures hold only state and factories (the target,
 * the logged-in clients, the call session, the browsers); src/ holds library code (the Talk
 * client, protocol codecs, in-page browser code run by page.evaluate, the verdict model).
 *
 * What a file under tests/certification/ may import:
 * - `@playwright/test` and `node:` built-ins;
 * - fixtures/*.ts;
 * - a module of its own area (tests/certification/<same area>/*.ts), never a spec, never another
 *   area's module (what two areas share belongs in a fixture or in src/);
 * - src/ library code (ALLOWED_SRC), never the reference platform (src/reference/**), a target
 *   adapter (only src/targets/index.ts and types.ts, the target boundary), the reporter or the CLIs.
 * And fixtures/*.ts import nothing from tests/certification/ (check logic never flows into fixtures).
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const CERT = 'tests/certification';
const ALLOWED_SRC = [
  'src/browsers/',
  'src/config/',
  'src/load/',
  'src/redact/',
  'src/talk/',
  'src/tls/',
  'src/turn/',
  'src/verdict/',
  'src/targets/index.ts',
  'src/targets/types.ts',
];

function files(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  return readdirSync(abs).flatMap((name) => {
    const p = path.join(abs, name);
    return statSync(p).isDirectory() ? files(path.join(dir, name)) : name.endsWith('.ts') ? [path.join(dir, name)] : [];
  });
}

/** Every module specifier of a file: imports (also `import type`), re-exports, dynamic imports. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Why `spec` may not be imported by `file` (repository-relative, POSIX separators), or null when it may. */
function importViolation(file: string, spec: string): string | null {
  const to = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : null;
  if (file.startsWith('fixtures/')) {
    return to?.startsWith(`${CERT}/`) ? `fixtures hold state and factories only: ${to} is check code` : null;
  }
  if (spec === '@playwright/test' || spec.startsWith('node:')) return null;
  if (!to) return `imports the package ${spec}: a check uses @playwright/test, node: built-ins, fixtures and src/`;
  const area = file.split('/')[2];
  if (to.startsWith('fixtures/')) return null;
  if (to.startsWith(`${CERT}/`)) {
    const toArea = to.split('/')[2];
    if (toArea !== area) return `imports ${to}, a module of the area "${toArea}": what two areas share belongs in a fixture or in src/`;
    if (to.endsWith('.spec.ts')) return `imports the spec ${to}: shared logic goes into a module beside the specs`;
    return null;
  }
  if (to.startsWith('src/reference/') || to.startsWith('src/targets/reference'))
    return `imports ${to}: the reference platform is behind the target boundary (src/targets/index.ts)`;
  if (ALLOWED_SRC.some((a) => (a.endsWith('/') ? to.startsWith(a) : to === a))) return null;
  return `imports ${to}, which a check may not (allowed in src/: ${ALLOWED_SRC.join(', ')})`;
}

function violations(file: string, source: string): string[] {
  return specifiers(source)
    .map((s) => [s, importViolation(file, s)] as const)
    .filter((x): x is readonly [string, string] => x[1] !== null)
    .map(([s, why]) => `${file}: '${s}' ${why}`);
}

test('specs and their check modules import only fixtures, their own area and src/ library code', () => {
  const all = files(CERT);
  const specs = all.filter((f) => f.endsWith('.spec.ts'));
  const modules = all.filter((f) => !f.endsWith('.spec.ts'));
  // The check modules that moved out of fixtures (issue 15 point 1) are where the README says.
  expect(modules).toEqual(expect.arrayContaining([`${CERT}/turn/relay.ts`, `${CERT}/call/connect.ts`, `${CERT}/call/blur.ts`, `${CERT}/talk/hpb.ts`]));
  expect(specs.length).toBeGreaterThan(30);
  const offending = all.flatMap((f) => violations(f, readFileSync(path.join(ROOT, f), 'utf8')));
  expect(offending).toEqual([]);
});

test('fixtures import no check code from tests/certification', () => {
  const offending = files('fixtures').flatMap((f) => violations(f, readFileSync(path.join(ROOT, f), 'utf8')));
  expect(offending).toEqual([]);
});

test('every check module beside the specs is used by a spec of its area', () => {
  // A module nobody imports is logic without a check: dead, or a check whose spec lost it.
  const all = files(CERT);
  const imported = new Set(all.flatMap((f) => specifiers(readFileSync(path.join(ROOT, f), 'utf8')).map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(f), s)))));
  expect(all.filter((f) => !f.endsWith('.spec.ts') && !imported.has(f))).toEqual([]);
});

test('the rule rejects what it is meant to reject', () => {
  // A guard that cannot fail is no guard: a small spec with one import of each kind.
  const spec = `${CERT}/turn/relay-udp.spec.ts`;
  const source = [
    "import { test } from '../../../fixtures/turn.ts';",
    "import { certifyRelay } from './relay.ts';",
    "import type { TalkTurnSettings } from '../../../src/turn/signaling.ts';",
    "import { check } from '../../../src/verdict/catalogue.ts';",
    "import { startReferencePlatform } from '../../../src/reference/index.ts';",
    "import type { ReferenceTarget } from '../../../src/targets/reference.ts';",
    "export { runCall } from '../call/connect.ts';",
    "import x from './relay-tcp.spec.ts';",
    "const r = await import('../../../src/reporter/index.ts');",
    "import undici from 'undici';",
  ].join('\n');
  const found = violations(spec, source);
  expect(found.map((v) => v.split("'")[1])).toEqual([
    '../../../src/reference/index.ts',
    '../../../src/targets/reference.ts',
    '../call/connect.ts',
    './relay-tcp.spec.ts',
    '../../../src/reporter/index.ts',
    'undici',
  ]);
  expect(violations('fixtures/turn.ts', "import { certifyRelay } from '../tests/certification/turn/relay.ts';")).toHaveLength(1);
  expect(violations('fixtures/turn.ts', "import { resolveHosts } from '../src/turn/reach.ts';")).toEqual([]);
});
