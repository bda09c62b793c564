import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { FAILURE_CATEGORIES, allure2Categories, allureConfig, allureEnvironment, toProperties } from '../../../src/cli/report.ts';
import type { CertificationReport } from '../../../src/verdict/types.ts';
import { REPO_ROOT } from '../reporter/inline-project.ts';

/**
 * `npm run report`: the Allure environment and categories as data, then the whole path CI takes
 * on a tiny project that uses the suite's real check fixture (no browser): two shards each write
 * a blob report and Allure results, `report --merge` merges them into one certification, one
 * HTML report, and builds the Allure report with the Allure 3 CLI.
 */

/** Two shard runs, a merge and an Allure build of a three-test project. */
const PIPELINE_TIMEOUT_MS = 120_000;

const sampleReport = (): CertificationReport =>
  ({
    tool: { name: 'talk-certify', version: '0.1.0' },
    runId: 'tc-251125-abcdef',
    target: { kind: 'testcontainers', url: 'https://localhost:40443/', profile: null },
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:02:00.000Z',
    versions: {
      nextcloud: '32.0.1',
      talk: '22.0.4',
      browsers: [
        { project: 'chromium', name: 'chromium', label: 'Chromium (Playwright build)', version: '141.0.7390.37', channel: null, executable: null, notRunReason: null },
        { project: 'webkit', name: 'webkit', version: null, channel: null, executable: null, notRunReason: 'WebKit not installed' },
      ],
    },
    summary: { certified: false, status: 'not-certified', counts: { pass: 1, fail: 1, warn: 0, 'not-applicable': 0, 'not-run': 0 }, mustFailed: [], mustNotRun: [], notes: [] },
    error: null,
    checks: [],
  }) as unknown as CertificationReport;

test('the Allure environment names the target, Nextcloud and Talk versions, and every browser with its version', () => {
  const env = new Map(allureEnvironment(sampleReport()));
  expect(env.get('Target')).toBe('testcontainers');
  expect(env.get('Nextcloud')).toBe('32.0.1');
  expect(env.get('Talk')).toBe('22.0.4');
  expect(env.get('Browser chromium')).toBe('Chromium (Playwright build) 141.0.7390.37');
  expect(env.get('Browser webkit')).toBe('not run: WebKit not installed');
  expect(env.get('Certification')).toBe('not-certified');
});

test('environment.properties escapes what Java properties would misread', () => {
  expect(
    toProperties([
      ['Browser chromium', 'a=b: c#d'],
      ['Talk', 'é\nx'],
    ]),
  ).toBe('Browser\\ chromium=a\\=b\\: c\\#d\nTalk=\\u00e9\\nx\n');
});

test('the categories tell a platform misconfiguration from an unsupported client and from a suite error', () => {
  expect(FAILURE_CATEGORIES.map((c) => c.name)).toEqual(['Platform misconfiguration', 'Client unsupported', 'Suite error']);
  const misconfig = new RegExp(`^${FAILURE_CATEGORIES[0]!.messageRegex!}$`);
  // What fixtures/check.ts's EvidenceRecorder.require() makes of a failed requirement, as Playwright reports it.
  expect(misconfig.test('Error: https.tls.valid: the certificate expired\n  expected: chain valid\n  observed: expired\n  fix: renew it\n\nexpect(received).toBe(expected)')).toBe(
    true,
  );
  expect(misconfig.test("TypeError: Cannot read properties of undefined (reading 'x')")).toBe(false);
  expect(misconfig.test('Error: expect(received).toBe(expected) // suite assertion')).toBe(false);
  expect(allure2Categories().map((c) => (c as { name: string }).name)).toEqual(['Platform misconfiguration', 'Suite error']);
  const cfg = allureConfig({ output: '/out', name: 'x' }) as { categories: { name: string; matchers: unknown[] }[] };
  expect(cfg.categories[1]).toEqual({ name: 'Client unsupported', matchers: [{ statuses: ['skipped'], labels: { browser: '.+' } }] });
});

interface Child {
  code: number | null;
  output: string;
}

function runNode(args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<Child> {
  return new Promise((resolve) => {
    const child = spawn(args[0]!, args.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const TINY_CONFIG = (reporter: string, shardDir: string, stateFile: string) => `
import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: '.',
  fullyParallel: true,
  workers: 1,
  reporter: [
    [${JSON.stringify(reporter)}, { outputDir: ${JSON.stringify(shardDir)}, stateFile: ${JSON.stringify(stateFile)}, runId: 'tc-251125-abcdef', quiet: true }],
    ['allure-playwright', { resultsDir: ${JSON.stringify(path.join(shardDir, 'allure-results'))}, detail: false, suiteTitle: false }],
    ['blob', { outputDir: ${JSON.stringify(path.join(shardDir, 'blob'))} }],
  ],
  projects: [
    { name: 'platform', grep: /@in-node/ },
    { name: 'webkit', grep: /@in-browser/, metadata: { talkBrowser: { project: 'webkit', name: 'webkit', version: null, channel: null, executable: null, notRunReason: 'WebKit not installed' } } },
  ],
});
`;

const TINY_SPEC = (fixtures: string) => `
import { label } from 'allure-js-commons';
import { check, test } from ${JSON.stringify(fixtures)};

const tls = check('https.tls.valid');
test(tls.title, tls.details, async ({ evidence }) => {
  evidence.observed('certificate expired 3 days ago');
  evidence.require(false, 'the certificate expired');
});

const hsts = check('https.hsts');
test(hsts.title, hsts.details, async ({ evidence }) => {
  evidence.observed('max-age=31536000');
  evidence.require(true, 'unused');
});

const installed = check('talk.installed');
test(installed.title, installed.details, async () => {
  throw new TypeError('suite bug: cannot read properties of undefined');
});

// A browser check in the project of an absent browser, skipped as fixtures/browser.ts's gate does.
const wasm = check('blur.browser.wasm-compiles');
test(wasm.title, wasm.details, async ({}, testInfo) => {
  await label('browser', 'webkit');
  testInfo.skip(true, 'webkit: WebKit not installed');
});
`;

test('shards merge into one certification and one HTML report, and the Allure 3 CLI builds the report with environment and categories', async ({}, testInfo) => {
  test.setTimeout(PIPELINE_TIMEOUT_MS);
  const dir = testInfo.outputPath('pipeline');
  const project = path.join(dir, 'project');
  const stateFile = path.join(dir, 'target.json');
  mkdirSync(project, { recursive: true });
  writeFileSync(
    stateFile,
    JSON.stringify({ kind: 'testcontainers', url: 'https://localhost:40443/', profile: null, nextcloudVersion: '32.0.1', talkVersion: '22.0.4', runId: 'tc-251125-abcdef' }),
  );
  writeFileSync(path.join(project, 'checks.spec.ts'), TINY_SPEC(path.join(REPO_ROOT, 'fixtures', 'check.ts')));
  const env: NodeJS.ProcessEnv = { ...process.env, TALK_CERTIFY_NO_DOTENV: '1', FORCE_COLOR: '0' };
  for (const k of Object.keys(env)) if (k.startsWith('TALK_') && k !== 'TALK_CERTIFY_NO_DOTENV') delete env[k];

  const merged = path.join(dir, 'merged');
  const blobs = path.join(dir, 'blobs');
  mkdirSync(path.join(merged, 'allure-results'), { recursive: true });
  mkdirSync(blobs, { recursive: true });
  for (const shard of [1, 2]) {
    const shardDir = path.join(dir, `shard-${shard}`);
    const config = path.join(project, `shard-${shard}.config.ts`);
    writeFileSync(config, TINY_CONFIG(path.join(REPO_ROOT, 'src', 'reporter', 'index.ts'), shardDir, stateFile));
    const run = await runNode([path.join(REPO_ROOT, 'node_modules', '.bin', 'playwright'), 'test', '-c', config, `--shard=${shard}/2`], env);
    expect(
      readdirSync(path.join(shardDir, 'blob')).filter((f) => f.endsWith('.zip')),
      run.output,
    ).toHaveLength(1);
    // What CI does with the artifacts: blobs into one folder, every shard's Allure results into one.
    for (const f of readdirSync(path.join(shardDir, 'blob'))) cpSync(path.join(shardDir, 'blob', f), path.join(blobs, `shard-${shard}-${f}`));
    cpSync(path.join(shardDir, 'allure-results'), path.join(merged, 'allure-results'), { recursive: true });
  }

  const report = await runNode(
    [path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), path.join(REPO_ROOT, 'src', 'cli', 'report.ts'), '--merge', blobs, '--state', stateFile, '--report-dir', merged],
    env,
  );
  // One must check failed: not certified, exit 1 like npm run certify.
  expect(report.code, report.output).toBe(1);

  const certification = JSON.parse(readFileSync(path.join(merged, 'certification.json'), 'utf8')) as CertificationReport;
  expect(certification.runId).toBe('tc-251125-abcdef');
  expect(certification.versions).toMatchObject({ nextcloud: '32.0.1', talk: '22.0.4' });
  const verdict = (id: string, project: string) => certification.checks.find((c) => c.id === id && c.project === project)?.verdict;
  // Checks from both shards are in the one certification.
  expect(verdict('https.tls.valid', 'platform')).toBe('fail');
  expect(verdict('https.hsts', 'platform')).toBe('pass');
  expect(existsSync(path.join(merged, 'html', 'index.html'))).toBe(true);

  const allure = path.join(merged, 'allure-report');
  expect(existsSync(path.join(allure, 'index.html')), report.output).toBe(true);
  const environment = readFileSync(path.join(allure, 'widgets', 'allure_environment.json'), 'utf8');
  for (const v of ['32.0.1', '22.0.4', 'testcontainers', 'WebKit not installed']) expect(environment).toContain(v);
  const categories = JSON.parse(readFileSync(path.join(allure, 'widgets', 'categories.json'), 'utf8')) as {
    roots: string[];
    nodes: Record<string, { name: string; type: string; childrenIds?: string[] }>;
  };
  const testsIn = (name: string): string[] => {
    const root = categories.roots.map((id) => categories.nodes[id]!).find((n) => n.name === name);
    const out: string[] = [];
    const walk = (id: string) => {
      const n = categories.nodes[id]!;
      if (n.type === 'tr') out.push(n.name);
      for (const c of n.childrenIds ?? []) walk(c);
    };
    for (const c of root?.childrenIds ?? []) walk(c);
    return out;
  };
  expect(testsIn('Platform misconfiguration')).toEqual([expect.stringContaining('TLS')]);
  expect(testsIn('Suite error')).toHaveLength(1);
  expect(testsIn('Client unsupported')).toHaveLength(1);
});
