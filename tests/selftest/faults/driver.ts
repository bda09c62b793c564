import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { CertificationReport, CheckResult } from '../../../src/verdict/types.ts';
import { type CertifyRun, runCertify } from '../certification/run-certify.ts';
import { expectationFor, expectedVerdicts, type FaultRow, type FaultTable, projectsOf, type Rules, type RunShape } from './types.ts';

/**
 * The driver of the fault tables (faults/<area>.ts): one certification child run per profile and
 * run shape, and per row one test per check asserting its expected verdict and diagnosis, plus
 * the row's further assertions. A row whose run is contained in another row's run of the same
 * profile (same Talk UI, its browsers, tags and projects a subset, same extra variables) is
 * asserted on that run instead of starting its own: e.g. the good profile's TURN, call (Talk 22
 * UI) and database rows read the certification table's good run, which runs every check but load
 * in both browsers. Called by faults.spec.ts and light.spec.ts (every table but the timing ones and
 * those with their own `spec`, each file its share of the runs), by tests/selftest/load/faults.spec.ts (the load table, in the `load` project) and
 * by tests/selftest/hpb/faults.spec.ts (the HPB table).
 */

interface PlannedRun {
  key: string;
  profile: string;
  shape: RunShape;
  rows: { table: FaultTable; row: FaultRow }[];
}

const DEFAULT_UI = 'talk22';

function projectsOfShape(s: RunShape): string[] {
  return s.projects ?? ['platform', ...s.browsers];
}

/** Whether a run of shape `big` runs (at least) every check a run of shape `small` runs, in the same setting. */
function covers(big: RunShape, small: RunShape): boolean {
  if ((big.ui ?? DEFAULT_UI) !== (small.ui ?? DEFAULT_UI)) return false;
  if (JSON.stringify(big.env ?? {}) !== JSON.stringify(small.env ?? {}) || big.grep !== small.grep) return false;
  // A run that leaves checks out covers only runs that leave the same ones out.
  if (big.grepInvert !== small.grepInvert) return false;
  if (JSON.stringify(big.passEnv ?? []) !== JSON.stringify(small.passEnv ?? [])) return false;
  if (!small.browsers.every((b) => big.browsers.includes(b))) return false;
  if (!projectsOfShape(small).every((p) => projectsOfShape(big).includes(p))) return false;
  if (big.tags === 'all') return true;
  if (small.tags === 'all') return false;
  if (big.tags === 'all-but-load') return small.tags === 'all-but-load' || !small.tags.includes('load');
  if (small.tags === 'all-but-load') return false;
  const bigTags = big.tags;
  return small.tags.every((t) => bigTags.includes(t));
}

/** Larger runs first, so that smaller rows can share them. */
function size(s: RunShape): number {
  const tags = s.tags === 'all' ? 1000 : s.tags === 'all-but-load' ? 500 : s.tags.length;
  return tags * 100 + s.browsers.length * 10 + projectsOfShape(s).length;
}

function describeShape(s: RunShape): string {
  const tags = s.tags === 'all' ? 'every check' : s.tags === 'all-but-load' ? 'every check but @load' : s.tags.map((t) => `@${t}`).join('|');
  const what = s.grep ? `"${s.grep}"` : tags;
  const env = s.env
    ? `, ${Object.entries(s.env)
        .map(([k, v]) => `${k.replace(/^TALK_/, '')}=${v}`)
        .join(' ')}`
    : '';
  const passed = s.passEnv ? `, passing ${s.passEnv.join(' ')}` : '';
  const without = s.grepInvert ? ` but "${s.grepInvert}"` : '';
  return `${what}${without}${env}${passed}, ${s.browsers.join('+')}${s.projects ? `, projects ${s.projects.join('+')}` : ''}${s.ui ? `, UI ${s.ui}` : ''}`;
}

function plan(tables: readonly FaultTable[]): PlannedRun[] {
  const rows = tables.flatMap((table) => table.rows.map((row) => ({ table, row }))).sort((a, b) => size(b.row.run) - size(a.row.run));
  const runs: PlannedRun[] = [];
  for (const r of rows) {
    const shared = runs.find((p) => p.profile === r.row.profile && covers(p.shape, r.row.run) && p.rows.every((o) => o.row.unavailable === r.row.unavailable));
    if (shared) {
      shared.rows.push(r);
      shared.shape = { ...shared.shape, timeoutMs: Math.max(shared.shape.timeoutMs ?? 0, r.row.run.timeoutMs ?? 0) || undefined };
      continue;
    }
    const key = `${r.row.profile}-${describeShape(r.row.run)}`.replace(/[^A-Za-z0-9.+-]+/g, '_');
    runs.push({ key, profile: r.row.profile, shape: { ...r.row.run }, rows: [r] });
  }
  return runs;
}

function args(s: RunShape): string[] {
  const grep = s.grep ? ['--grep', s.grep] : s.tags === 'all' ? [] : s.tags === 'all-but-load' ? ['--grep-invert', '@load'] : ['--grep', s.tags.map((t) => `@${t}`).join('|')];
  if (s.grepInvert) {
    if (grep[0] === '--grep-invert') grep[1] = `${grep[1]}|${s.grepInvert}`;
    else grep.push('--grep-invert', s.grepInvert);
  }
  const projects = (s.projects ?? []).flatMap((p) => ['--project', p]);
  return grep.length + projects.length > 0 ? ['--', ...grep, ...projects] : [];
}

/**
 * One child run per planned run, even when a failing test restarts the worker (Playwright then
 * runs beforeAll again in the new worker): the first run's outcome is kept in this invocation's
 * output folder (emptied by Playwright at the start of every run) and read back.
 */
async function certifyOnce(p: PlannedRun, keepNetworks: boolean): Promise<CertifyRun> {
  const dir = path.join(test.info().project.outputDir, 'fault-runs');
  const file = path.join(dir, `${process.ppid}-${p.key}.json`);
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Omit<CertifyRun, 'report'>;
    console.log(`${p.key}: reusing this invocation's run (${kept.reportDir})`);
    return { ...kept, report: JSON.parse(readFileSync(path.join(kept.reportDir, 'certification.json'), 'utf8')) as CertificationReport };
  }
  const env: Record<string, string> = {
    TALK_PROFILE: p.profile,
    TALK_BROWSERS: p.shape.browsers.join(','),
    ...(p.shape.ui ? { TALK_REFERENCE_UI: p.shape.ui } : {}),
    ...p.shape.env,
    ...Object.fromEntries((p.shape.passEnv ?? []).flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
    // The runner (this worker's parent) keeps the standing networks of faults/networks.setup.ts.
    ...(keepNetworks ? { TALK_REFERENCE_KEEP_NETWORKS: String(process.ppid) } : {}),
  };
  const started = Date.now();
  const run = await runCertify(env, args(p.shape), p.shape.timeoutMs);
  console.log(`${p.key}: child run ${Date.now() - started} ms`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ exitCode: run.exitCode, output: run.output, reportDir: run.reportDir }));
  return run;
}

/** What is wrong with one result, against its expectation and the table's rules. */
function problemsOf(rules: Rules, row: FaultRow, x: CheckResult): string[] {
  const e = expectationFor(row, x);
  const where = `${x.id} [${x.project}]`;
  const problems: string[] = [];
  if (x.verdict !== e.verdict) problems.push(`${where}: expected ${e.verdict}, got ${x.verdict} — ${x.diagnosis ?? x.reason ?? x.observed}`);
  else if (e.diagnosis && !e.diagnosis.test(x.diagnosis ?? '')) problems.push(`${where}: diagnosis "${x.diagnosis}" does not match ${e.diagnosis}`);
  else if (e.reason && !e.reason.test(x.reason ?? '')) problems.push(`${where}: reason "${x.reason}" does not match ${e.reason}`);
  else if (e.observed && !e.observed.test(x.observed)) problems.push(`${where}: observed "${x.observed}" does not match ${e.observed}`);
  // A remedy comes with fail and warn (src/verdict/decide.ts); not-applicable has none by design.
  if (rules.remedy && (x.verdict === 'fail' || x.verdict === 'warn') && !x.remedy) problems.push(`${where}: no remedy`);
  for (const [k, v] of Object.entries(e.evidence ?? {})) {
    const got = (x.evidence as Record<string, unknown> | undefined)?.[k];
    if (JSON.stringify(got) !== JSON.stringify(v)) problems.push(`${where}: evidence ${k} is ${JSON.stringify(got)}, expected ${JSON.stringify(v)}`);
  }
  if (rules.bruteforceUntouched && x.verdict !== 'not-run') {
    const bf = (x.evidence ?? {}) as { bruteforceBefore?: { delayMs?: number }; bruteforceAfter?: { delayMs?: number } };
    if (bf.bruteforceBefore?.delayMs !== 0 || bf.bruteforceAfter?.delayMs !== 0)
      problems.push(`${where}: capabilities bruteforce.delay before/after: ${JSON.stringify(bf.bruteforceBefore)} / ${JSON.stringify(bf.bruteforceAfter)}, expected 0 / 0`);
  }
  if (rules.notRunReason && x.verdict === 'not-run' && !x.reason) problems.push(`${where}: not-run without a reason`);
  if (rules.observed && x.verdict !== 'not-run' && !x.observed) problems.push(`${where}: no observed value`);
  return problems;
}

/** The end of a child run's output, for failure messages. */
function tail(run: CertifyRun): string {
  return run.output.length > 4000 ? `…${run.output.slice(-4000)}` : run.output;
}

export interface DescribeOptions {
  /** Spread the planned runs over the project's workers, each run's tests together in one worker. */
  parallel?: boolean;
  /**
   * The runs' platforms use the standing networks of faults/networks.setup.ts (their runner keeps
   * them), so that they can run beside another spec file's runs without an address appearing on
   * the host under the other run's browsers.
   */
  keepNetworks?: boolean;
  /** Only the planned runs whose rows come from these areas (planned with every table given, so rows still share runs across tables). */
  only?: (areas: readonly string[]) => boolean;
}

/**
 * Declares the describe blocks and tests of `tables` in the calling spec file: one child run per
 * planned run, and its rows' tests.
 */
export function describeFaultTables(tables: readonly FaultTable[], options: DescribeOptions = {}): void {
  if (options.parallel) test.describe.configure({ mode: 'parallel' });
  for (const p of plan(tables)) {
    const areas = [...new Set(p.rows.map((r) => r.table.area))];
    if (options.only && !options.only(areas)) continue;
    test.describe(`profile ${p.profile} [${areas.join(', ')}] (${describeShape(p.shape)})`, () => {
      // Inside a parallel file, `default` keeps a run's tests in order in one worker, and a failed
      // assertion does not skip the rest of the row (as `serial` would).
      if (options.parallel) test.describe.configure({ mode: 'default' });
      let run: CertifyRun;

      test.beforeAll(async () => {
        const unavailable = p.rows.map(({ row }) => row.unavailable?.()).find((reason) => reason);
        if (unavailable) {
          console.log(`[selftest] skipping profile ${p.profile}: ${unavailable}`);
          test.skip(true, unavailable);
          return;
        }
        if (p.shape.timeoutMs) test.setTimeout(p.shape.timeoutMs + 30_000);
        run = await certifyOnce(p, options.keepNetworks ?? false);
      });
      test.afterAll(() => {
        if (!run) return;
        for (const { row } of p.rows) if (row.log) console.log(row.log(run));
      });

      for (const { table, row } of p.rows) {
        const label = `${table.area}${row.run.ui ? ` (UI ${row.run.ui})` : ''}`;
        if (row.exitCode !== undefined) test(`${label}: exit code ${row.exitCode}`, () => expect(run.exitCode, tail(run)).toBe(row.exitCode));
        for (const extra of row.extras ?? []) test(`${label}: ${extra.title}`, () => extra.assert(run));
        for (const id of row.checks) {
          const projects = projectsOf(row, id);
          const verdicts = [...new Set(expectedVerdicts(row, id))].join('/');
          test(`${label}: ${id} → ${verdicts}`, () => {
            const results = run.report.checks.filter((x) => x.id === id && projects.includes(x.project));
            expect(results.map((x) => x.project).sort(), `${id}: one result per project (${projects.join(', ')})\n${tail(run)}`).toEqual(projects.slice().sort());
            expect(
              results.flatMap((x) => problemsOf(table.rules, row, x)),
              tail(run),
            ).toEqual([]);
          });
        }
      }
    });
  }
}
