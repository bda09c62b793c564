import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import type { CertificationReport } from '../../../src/verdict/types.ts';

/**
 * Runs the real Playwright runner on a tiny project, the way Playwright tests its own reporters
 * (tests/playwright-test/playwright-test-fixtures.ts, `runInlineTest`): write the files into the
 * calling test's output folder (Playwright empties it at the start of the next run, and keeps it
 * for inspection when a test fails), run the CLI in a child process, read back what the reporter
 * wrote. No browser is launched.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const REPORTER_PATH = path.join(REPO_ROOT, 'src', 'reporter', 'index.ts');
const PLAYWRIGHT_CLI = path.join(REPO_ROOT, 'node_modules', '.bin', 'playwright');

/** A tiny project's run takes a few seconds; this bounds a hung child (e.g. a reporter that never resolves onEnd). */
const CHILD_TIMEOUT_MS = 90_000;

export interface InlineRun {
  dir: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** certification.json, or null when the reporter wrote none. */
  report: CertificationReport | null;
  reportText: string | null;
  markdown: string | null;
}

/**
 * Helpers the tiny specs import: the check annotation and the evidence attachment, written to the
 * contract the suite's fixtures follow (see src/reporter/gather.ts).
 */
export const CHECK_HELPERS = `
import type { TestInfo } from '@playwright/test';

export function check(id: string, severity: 'must' | 'should', runsIn: 'node' | 'browser' = 'node') {
  const definition = {
    id,
    area: id.split('.')[0],
    title: 'title of ' + id,
    requirement: 'requirement of ' + id,
    severity,
    provenance: 'observed',
    runsIn,
    criterion: 'criterion of ' + id,
    remedy: 'remedy of ' + id,
  };
  return { annotation: { type: 'talk-certify:check', description: JSON.stringify(definition) } };
}

export async function evidence(testInfo: TestInfo, e: { observed: string; diagnosis?: string; details?: Record<string, unknown> }) {
  await testInfo.attach('talk-certify-evidence', {
    body: JSON.stringify({ details: {}, ...e }),
    contentType: 'application/json',
  });
}

export function notApplicable(testInfo: TestInfo, reason: string): void {
  testInfo.annotations.push({ type: 'talk-certify:not-applicable', description: reason });
  testInfo.skip(true, reason);
}
`;

/** The reporter entry of a tiny project's config. */
export function reporterEntry(options: Record<string, unknown>): string {
  return JSON.stringify([REPORTER_PATH, { outputDir: 'reports', stateFile: 'state.json', runId: 'tc-selftest', ...options }]);
}

/** Variables of the outer Playwright run that would leak into the child runner. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PW_|PLAYWRIGHT_|TEST_WORKER_INDEX|TEST_PARALLEL_INDEX|FORCE_COLOR|TALK_|CI$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', NO_COLOR: '1', ...extra };
}

export async function runInlineProject(files: Record<string, string>, opts: { env?: Record<string, string>; args?: string[] } = {}): Promise<InlineRun> {
  const dir = test.info().outputPath('tiny-project');
  mkdirSync(dir, { recursive: true });
  // ESM like the suite, and the suite's node_modules, so that '@playwright/test' is the runner's own copy.
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'tiny', private: true, type: 'module' }));
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFileSync(path.join(dir, 'check.ts'), CHECK_HELPERS);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }

  const child = spawn(PLAYWRIGHT_CLI, ['test', '-c', 'playwright.config.ts', ...(opts.args ?? [])], {
    cwd: dir,
    env: childEnv(opts.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the tiny project in ${dir} did not finish within ${CHILD_TIMEOUT_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

  const read = (name: string) => (existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name), 'utf8') : null);
  const reportText = read('reports/certification.json');
  return {
    dir,
    exitCode,
    stdout,
    stderr,
    report: reportText ? (JSON.parse(reportText) as CertificationReport) : null,
    reportText,
    markdown: read('reports/certification.md'),
  };
}
