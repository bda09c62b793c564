import { CHECKS } from '../../../src/verdict/catalogue.ts';
import type { CheckResult, Verdict } from '../../../src/verdict/types.ts';
import type { CertifyRun } from '../certification/run-certify.ts';

/**
 * Fault expectations as data (issue 15 point 2): one table per area (faults/<area>.ts), each row a
 * reference profile, the child run it needs, and the verdict every check it asserts must get.
 * faults.spec.ts runs them; unit/fault-coverage.spec.ts checks that every catalogue check is broken
 * by some row.
 */

/** What one check must show on one profile. */
export interface Expectation {
  verdict: Verdict;
  diagnosis?: RegExp;
  reason?: RegExp;
  observed?: RegExp;
  /** Evidence entries the result must carry (key → value, compared as JSON). */
  evidence?: Record<string, unknown>;
}

/** How a certification child run (tests/selftest/certification/run-certify.ts) is narrowed. */
export interface RunShape {
  /** TALK_BROWSERS. */
  browsers: string[];
  /** Playwright tags the run greps (`@area`); `all` runs every check, `all-but-load` every check but the load area. */
  tags: string[] | 'all' | 'all-but-load';
  /** Playwright projects (`--project`); every project (platform and each browser) when absent. */
  projects?: string[];
  /** TALK_REFERENCE_UI; the platform's default (talk22) when absent. */
  ui?: 'talk20' | 'talk21' | 'talk22';
  /** A title pattern the run greps (`--grep`) instead of `tags`: e.g. one load check of three. */
  grep?: string;
  /**
   * A title pattern the run leaves out (`--grep-invert`), with `tags` or `grep`: e.g. a 70 s check
   * whose verdict another row of the table already certifies on the same platform.
   */
  grepInvert?: string;
  /** More TALK_* variables for the run (e.g. a short load, one worker). */
  env?: Record<string, string>;
  /**
   * Variables of the self-test's own environment passed on to the run when set (runCertify passes
   * no TALK_* variable of ours on): e.g. TALK_HPB_DIR, the HPB's folder when moved.
   */
  passEnv?: string[];
  /** Child-run timeout; CERTIFY_RUN_TIMEOUT_MS when absent. */
  timeoutMs?: number;
}

/** A further assertion on a row's run, beyond the per-check verdicts. */
export interface Extra {
  title: string;
  assert: (run: CertifyRun) => void;
}

export interface FaultRow {
  profile: string;
  run: RunShape;
  /** The checks this row asserts, in catalogue order. */
  checks: string[];
  /** Projects whose results are asserted (`platform` for Node-side checks); default the run's browsers and `platform`. */
  projects?: string[];
  /** Checks (id, or `id@project`) that do not get `otherwise`. */
  expected: Record<string, Expectation>;
  /** What every check not in `expected` must get; `pass` when absent. */
  otherwise?: Expectation;
  extras?: Extra[];
  /** A line printed after the run (e.g. per-check durations). */
  log?: (run: CertifyRun) => string;
  /** The exit code the run must end with (src/verdict/outcome.ts); not asserted when absent. */
  exitCode?: number;
  /**
   * Why this row cannot run on this machine (e.g. the HPB is not installed), or null: the row's run
   * is then skipped with this reason, printed. Rows with such a hook share a run only with rows of
   * the same hook.
   */
  unavailable?: () => string | null;
}

/** Contract rules a table adds to every check result it asserts. */
export interface Rules {
  /** A fail or warn carries a remedy. */
  remedy?: boolean;
  /** A check that ran records what it observed. */
  observed?: boolean;
  /** A not-run check says why. */
  notRunReason?: boolean;
  /**
   * The run left Nextcloud's brute-force delay for this machine at 0: the check's evidence
   * `bruteforceBefore`/`bruteforceAfter` (capabilities `bruteforce.delay`) are both 0 (issue 12
   * point 9: a normal run must not get the operator's own address throttled).
   */
  bruteforceUntouched?: boolean;
}

export interface FaultTable {
  /** The area (and file name under faults/). */
  area: string;
  rules: Rules;
  /**
   * The table measures latency: its runs go in the `load` project (after every browser run, four
   * browserless runs at a time: tests/selftest/load/faults.spec.ts), not in faults.spec.ts.
   */
  timing?: boolean;
  /**
   * The spec file (under tests/selftest) that runs this table instead of faults.spec.ts: e.g. the
   * HPB table, whose runs are long, runs from hpb/faults.spec.ts so it can be run on its own.
   */
  spec?: string;
  rows: FaultRow[];
}

/** The catalogue ids matching `keep`, in catalogue order. */
export function catalogueIds(keep: (id: string) => boolean): string[] {
  return CHECKS.map((d) => d.id as string).filter(keep);
}

/** Whether the catalogue says a check runs from Node (`platform`) or once per browser. */
export function runsInNode(id: string): boolean {
  return CHECKS.find((d) => d.id === id)?.runsIn === 'node';
}

/** The projects a row asserts. */
export function rowProjects(row: FaultRow): string[] {
  return row.projects ?? (row.run.projects ? row.run.projects : ['platform', ...row.run.browsers]);
}

/** The projects in which `id` has a result on this row (one per Node-side check, one per browser). */
export function projectsOf(row: FaultRow, id: string): string[] {
  return rowProjects(row).filter((p) => (runsInNode(id) ? p === 'platform' : p !== 'platform'));
}

/** The expectation for one result. */
export function expectationFor(row: FaultRow, result: Pick<CheckResult, 'id' | 'project'>): Expectation {
  return row.expected[`${result.id}@${result.project}`] ?? row.expected[result.id] ?? row.otherwise ?? { verdict: 'pass' };
}

/** Every verdict a row expects of `id`, over its projects. */
export function expectedVerdicts(row: FaultRow, id: string): Verdict[] {
  return projectsOf(row, id).map((project) => expectationFor(row, { id, project }).verdict);
}
