import type { BrowserRecord, CertificationReport, CertificationStatus, CheckDefinition, CheckResult, Evidence, NotEstablished, NotRunClass, Severity, Verdict } from './types.ts';
import { EXIT_UNUSABLE_INPUT, type NotRunNote, exitCodeFor } from './outcome.ts';

/**
 * From what the runner saw to verdicts and a certification. Pure functions over plain data: the
 * reporter gathers the inputs from Playwright's TestCase/TestResult objects, everything that
 * decides lives here and is unit-tested without running Playwright.
 */

/** Playwright's `TestCase.outcome()`, restated so that this module does not import Playwright. */
export type TestOutcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';

/** Playwright's `TestResult.status`. */
export type AttemptStatus = 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';

/** One run of a check's test (Playwright runs it again on retry). */
export interface Attempt {
  status: AttemptStatus;
  /** The `talk-certify-evidence` attachment; null when the test stopped before recording it. */
  evidence: Evidence | null;
  /** The attempt's first error message, already redacted; null when it had none. */
  error: string | null;
  durationMs: number;
}

/** Everything the reporter knows about one check in one project. */
export interface CheckRun {
  definition: CheckDefinition;
  project: string;
  /** Browser name from the project's `talkBrowser` metadata; null for the Node-side `platform` project. */
  browser: string | null;
  outcome: TestOutcome;
  /** In the order they ran; empty when the runner never started the test. */
  attempts: Attempt[];
  /** Description of the `talk-certify:not-applicable` annotation, null when there is none. */
  notApplicableReason: string | null;
  /** Description of a plain `skip` annotation ('' when skipped without a reason), null when there is none. */
  skipReason: string | null;
  /** Why the runner did not run the test, from the run's context; see `didNotRunReason`. */
  didNotRunReason: string;
  /** The `talk-certify:not-run` annotation of `evidence.notRun` (its class and how to establish the check), null when there is none. */
  notRunNote?: NotRunNote | null;
  /** The project's browser is not installed where the suite ran: its reason, else null (an environment limit). */
  browserAbsent?: string | null;
}

export interface VerdictDecision {
  verdict: Verdict;
  flaky: boolean;
}

/**
 * The verdict of one check from Playwright's outcome.
 * - `expected` → pass.
 * - `unexpected` → fail for a `must` check, warn for a `should` check (Talk still works, but worse).
 * - `flaky` (failed, then passed on a retry) is not a pass: a requirement that holds only some of
 *   the time is not met, and users would hit the failing case. It counts like `unexpected` and is
 *   flagged, so the report can say that the retry passed.
 * - `skipped` → not-applicable when the check said so, otherwise not-run.
 */
export function decideVerdict(severity: Severity, outcome: TestOutcome, notApplicable: boolean): VerdictDecision {
  switch (outcome) {
    case 'expected':
      return { verdict: 'pass', flaky: false };
    case 'unexpected':
      return { verdict: failVerdict(severity), flaky: false };
    case 'flaky':
      return { verdict: failVerdict(severity), flaky: true };
    case 'skipped':
      return { verdict: notApplicable ? 'not-applicable' : 'not-run', flaky: false };
  }
}

function failVerdict(severity: Severity): Verdict {
  return severity === 'must' ? 'fail' : 'warn';
}

/** What the run's context says about a test that never ran (or a check no test declared). */
export interface RunContext {
  /** The error global setup recorded in the state file, or a global error that stopped the run. */
  runError: { code: string; message: string } | null;
  /** Playwright's `FullResult.status`. */
  runStatus: 'passed' | 'failed' | 'timedout' | 'interrupted';
  /** Set when the run stopped because `maxFailures` was reached. */
  maxFailuresReached: number | null;
}

/**
 * Why a check did not run, when nothing in the test itself says so (no skip annotation).
 * `attempted`: Playwright reported a `skipped` result for a test it did not mean to skip, which
 * it does for tests behind a failed project dependency or after a failure in a serial group.
 */
export function didNotRunReason(ctx: RunContext, attempted: boolean): string {
  if (ctx.runError) return `did not run: global setup failed (${ctx.runError.code}): ${firstLine(ctx.runError.message)}`;
  if (ctx.runStatus === 'interrupted') return 'did not run: the run was interrupted';
  if (ctx.runStatus === 'timedout') return 'did not run: the run reached its global timeout';
  if (ctx.maxFailuresReached !== null) {
    return `did not run: the run stopped after ${ctx.maxFailuresReached} failed test(s) (maxFailures)`;
  }
  if (attempted) return 'did not run: skipped by the runner (a project dependency or an earlier test in its serial group failed)';
  return 'did not run: the runner never started it';
}

/**
 * Why a check of the catalogue has no test at all in this run. `browser`: the browser project it
 * was expected in (null for Node-side checks); `noBrowserProject`: a browser check in a run
 * without any browser project.
 */
export function notInRunReason(ctx: RunContext, browser: BrowserRecord | null, noBrowserProject = false): string {
  if (ctx.runError) return didNotRunReason(ctx, false);
  if (browser?.notRunReason) return browser.notRunReason;
  if (noBrowserProject) return 'not part of this run: the run has no browser project';
  return 'not part of this run: no selected test declares this check (filtered out by --grep/--project, or its spec is missing)';
}

/** Longest diagnosis taken from an error message; the full error is in the HTML report. */
export const MAX_ERROR_DIAGNOSIS_CHARS = 300;

/** The first non-empty line of an error message, without terminal colours, cut to at most `max` characters (at a word boundary where there is one). */
export function firstLine(message: string, max = MAX_ERROR_DIAGNOSIS_CHARS): string {
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '');
  const line =
    plain
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  if (line.length <= max) return line;
  // Cut at a word boundary when there is one in the last third, so no word is left half-written.
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > (max * 2) / 3 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

/** `observed` of a check that recorded no evidence. */
export const NOT_OBSERVED = 'not observed';

/** How to establish a check the run did not reach. */
export const RUN_AGAIN = 'run the certification again, to the end';
/** How to establish a check a narrowed run left out. */
export const RUN_EVERYTHING = 'run the whole certification (no --grep, --grep-invert or --project narrowing it)';
/** How to establish the checks of a browser that is not installed where the suite ran. */
export const INSTALL_BROWSER = 'install the browser on the machine that runs the suite (see the reason), include it in TALK_BROWSERS, and run again';

/** Builds the result of one check from its run. */
export function decideCheck(run: CheckRun): CheckResult {
  const def = run.definition;
  const { verdict, flaky: outcomeFlaky } = decideVerdict(def.severity, run.outcome, run.notApplicableReason !== null);
  const last = run.attempts.at(-1);
  const failedIndex = run.attempts.findIndex((a) => isFailure(a.status));
  const passedIndex = findLastIndex(run.attempts, (a) => a.status === 'passed');
  // A flaky outcome whose last attempt was skipped failed once and never passed: not flaky, just failed.
  const flaky = outcomeFlaky && passedIndex > failedIndex && failedIndex >= 0;
  // The attempt that decides what we report: for a failure the failed attempt, not the retry that passed.
  const decisive = verdict === 'fail' || verdict === 'warn' ? (run.attempts[failedIndex] ?? last) : last;
  const evidence = decisive?.evidence ?? null;

  // A check that crashed before observing anything attaches an empty `observed`.
  let observed = evidence?.observed || NOT_OBSERVED;
  let diagnosis: string | null = null;
  let reason: string | null = null;
  let notRun: { notRunClass: NotRunClass; establish: string | null } | null = null;
  if (verdict === 'fail' || verdict === 'warn') {
    diagnosis = evidence?.diagnosis ?? (decisive?.error ? firstLine(decisive.error) : 'the check failed without a diagnosis or error message');
    if (flaky) {
      const passed = run.attempts[passedIndex];
      observed = `${observed} (attempt ${failedIndex + 1}); ${passed?.evidence?.observed || NOT_OBSERVED} (attempt ${passedIndex + 1}, retry)`;
      diagnosis =
        `passed only on retry (attempt ${passedIndex + 1} of ${run.attempts.length}), which counts as not passed: ` +
        `an intermittent requirement is not met. Attempt ${failedIndex + 1} failed: ${diagnosis}`;
    }
  } else if (verdict === 'not-applicable') {
    reason = run.notApplicableReason || 'not applicable (no reason given)';
  } else if (verdict === 'not-run') {
    if (run.attempts.some((a) => a.status === 'interrupted')) {
      reason = 'did not complete: the run was interrupted while the check was running';
      notRun = { notRunClass: 'incomplete', establish: RUN_AGAIN };
    } else if (run.skipReason !== null) {
      reason = run.skipReason || 'skipped without a reason';
      notRun = run.notRunNote
        ? { notRunClass: run.notRunNote.class, establish: run.notRunNote.establish }
        : run.browserAbsent
          ? { notRunClass: 'environment', establish: INSTALL_BROWSER }
          : { notRunClass: 'incomplete', establish: null };
    } else {
      reason = run.didNotRunReason;
      notRun = { notRunClass: 'incomplete', establish: RUN_AGAIN };
    }
  }

  return {
    id: def.id,
    title: def.title,
    requirement: def.requirement,
    severity: def.severity,
    browser: run.browser,
    project: run.project,
    verdict,
    provenance: evidence?.provenance ?? def.provenance,
    criterion: def.criterion,
    observed,
    diagnosis,
    reason,
    evidence: evidence?.details ?? {},
    remedy: verdict === 'fail' || verdict === 'warn' ? def.remedy : null,
    ...(notRun ?? {}),
    attempts: run.attempts.length,
    flaky,
    durationMs: run.attempts.reduce((sum, a) => sum + a.durationMs, 0),
  };
}

/** The run stopped before its end (setup error, interrupted, timed out, maxFailures). */
function runCutShort(ctx: RunContext): boolean {
  return ctx.runError !== null || ctx.runStatus === 'interrupted' || ctx.runStatus === 'timedout' || ctx.maxFailuresReached !== null;
}

/** A check declared in the catalogue that no test of this run declared. */
export function notInRunResult(def: CheckDefinition, project: string, browser: BrowserRecord | null, ctx: RunContext, noBrowserProject = false): CheckResult {
  return {
    id: def.id,
    title: def.title,
    requirement: def.requirement,
    severity: def.severity,
    browser: browser?.name ?? null,
    project,
    verdict: 'not-run',
    provenance: def.provenance,
    criterion: def.criterion,
    observed: NOT_OBSERVED,
    diagnosis: null,
    reason: notInRunReason(ctx, browser, noBrowserProject),
    evidence: {},
    remedy: null,
    ...(browser?.notRunReason && !ctx.runError
      ? { notRunClass: 'environment' as const, establish: INSTALL_BROWSER }
      : { notRunClass: 'incomplete' as const, establish: runCutShort(ctx) ? RUN_AGAIN : RUN_EVERYTHING }),
    attempts: 0,
    flaky: false,
    durationMs: 0,
  };
}

/**
 * Where each catalogue check is expected to run: Node-side checks once, in the `platform`
 * project; browser checks once per browser project. Returns a not-run result for every expected
 * (check, project) pair without a result, so that a run filtered with --grep or --project, or a
 * check whose spec is missing, leaves the certification incomplete instead of silently smaller.
 */
export function uncoveredChecks(
  catalogue: readonly CheckDefinition[],
  results: readonly CheckResult[],
  browserProjects: readonly BrowserRecord[],
  ctx: RunContext,
  platformProject = 'platform',
): CheckResult[] {
  const out: CheckResult[] = [];
  for (const def of catalogue) {
    const mine = results.filter((r) => r.id === def.id);
    if (def.runsIn === 'node') {
      if (!mine.some((r) => r.browser === null)) out.push(notInRunResult(def, platformProject, null, ctx));
    } else if (browserProjects.length === 0) {
      if (mine.length === 0) out.push(notInRunResult(def, '', null, ctx, true));
    } else {
      for (const b of browserProjects) {
        if (!mine.some((r) => r.project === b.project)) out.push(notInRunResult(def, b.project, b, ctx));
      }
    }
  }
  return out;
}

const SEVERITY_RANK: Record<Verdict, number> = { fail: 0, warn: 1, 'not-run': 2, 'not-applicable': 3, pass: 4 };

/**
 * One result per (check, project). The same check can reach the reporter several times (two
 * tests declaring one id, or --repeat-each); the worst verdict counts, since any of those runs
 * is something the platform did. Returns the merged results and a note per merged check.
 */
export function mergeRepeats(results: readonly CheckResult[]): { results: CheckResult[]; notes: string[] } {
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) {
    const key = `${r.id}\u0000${r.project}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const merged: CheckResult[] = [];
  const notes: string[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    if (g.length === 1) {
      merged.push(first);
      continue;
    }
    const worst = [...g].sort((a, b) => SEVERITY_RANK[a.verdict] - SEVERITY_RANK[b.verdict])[0]!;
    merged.push({
      ...worst,
      attempts: g.reduce((n, r) => n + r.attempts, 0),
      durationMs: g.reduce((n, r) => n + r.durationMs, 0),
      flaky: g.some((r) => r.flaky),
    });
    notes.push(`${checkLabel(first)} was run ${g.length} times (two tests declare it, or --repeat-each); the worst verdict counts: ` + g.map((r) => r.verdict).join(', ') + '.');
  }
  return { results: merged, notes };
}

/** `<id> (<browser, or project for Node-side checks>)`: how reports and notes name one check result. */
export function checkLabel(r: Pick<CheckResult, 'id' | 'browser' | 'project'>): string {
  return `${r.id} (${r.browser ?? (r.project || 'platform')})`;
}

/**
 * Order of the report: areas in the order the catalogue introduces them (areas it does not know
 * come after, alphabetically), then id, then the Node-side result before browsers by name.
 */
export function sortChecks(results: readonly CheckResult[], catalogue: readonly CheckDefinition[]): CheckResult[] {
  const areaOrder = new Map<string, number>();
  for (const def of catalogue) if (!areaOrder.has(def.area)) areaOrder.set(def.area, areaOrder.size);
  const areaOf = (id: string) => catalogue.find((d) => d.id === id)?.area ?? id.split('.')[0] ?? id;
  const rank = (id: string) => areaOrder.get(areaOf(id)) ?? Number.MAX_SAFE_INTEGER;
  return [...results].sort(
    (a, b) =>
      rank(a.id) - rank(b.id) ||
      compare(areaOf(a.id), areaOf(b.id)) ||
      compare(a.id, b.id) ||
      (a.browser === null ? -1 : 0) - (b.browser === null ? -1 : 0) ||
      compare(a.browser ?? '', b.browser ?? '') ||
      compare(a.project, b.project),
  );
}

export interface CertificationInput {
  checks: readonly CheckResult[];
  runError: { code: string; message: string } | null;
  runStatus: RunContext['runStatus'];
  /** Notes gathered by the reporter (tests without a check annotation, unreadable evidence, …). */
  notes?: readonly string[];
  /**
   * Browser projects whose browser is not installed on the machine that ran the suite. Their
   * checks are not-run with the reason, but they say nothing about the platform, so they do not
   * make the certification incomplete (installing the browser and running again certifies it).
   */
  unavailableBrowsers?: readonly string[];
}

/**
 * The certification rule.
 *
 * - NOT CERTIFIED when a `must` check failed, including one that passed only on retry: one
 *   observed failure of a `must` requirement is conclusive, whatever else did not run.
 * - INCOMPLETE when no `must` check failed but one did not run for a reason of class
 *   `incomplete` (src/verdict/types.ts NotRunClass: the suite could not drive Talk's UI, no second
 *   participant, run interrupted or narrowed): we only certify what we observed, and the
 *   requirement the missing check certifies may well be unmet.
 * - A `must` check not run for a reason of class `environment` (the browser is not installed
 *   where the suite ran, this machine's network is not the restricted network the check needs, no
 *   administrator account for what only administrators can read) does not block: nothing the
 *   target did or lacked kept it from running, and no run from here could ever make it. It is
 *   listed in `notEstablished` and `notEstablishedLine`, with how to establish it elsewhere, so a
 *   CERTIFIED outcome always says what it does not cover. (`unavailableBrowsers` marks the
 *   projects of absent browsers for reports whose checks carry no class.)
 * - INCOMPLETE as well when the run itself failed (global setup error) or produced no check at all:
 *   "no must check failed" is vacuously true of a run that tested nothing.
 * - `not-applicable` never blocks: the requirement does not exist on this platform (e.g. a
 *   feature the installed Talk version does not have).
 * - `should` checks never block: a failed one is a warning, Talk works, but worse.
 *
 * `certified` is true only for CERTIFIED. `exitCode` is the CLI's exit code for the outcome
 * (0 CERTIFIED, 1 NOT CERTIFIED, 3 INCOMPLETE; 2 when the run itself could not start, which the
 * CLI reports as unusable input: src/verdict/outcome.ts).
 */
export function decideCertification(input: CertificationInput): CertificationReport['summary'] {
  const counts: Record<Verdict, number> = { pass: 0, fail: 0, warn: 0, 'not-applicable': 0, 'not-run': 0 };
  for (const c of input.checks) counts[c.verdict]++;
  const must = input.checks.filter((c) => c.severity === 'must');
  const mustFailed = must.filter((c) => c.verdict === 'fail').map(checkLabel);
  const unavailable = new Set(input.unavailableBrowsers ?? []);
  const browserAbsent = (c: CheckResult) => c.verdict === 'not-run' && c.project !== null && unavailable.has(c.project);
  const classOf = (c: CheckResult): NotRunClass => (browserAbsent(c) ? 'environment' : (c.notRunClass ?? 'incomplete'));
  const mustNotRunAll = must.filter((c) => c.verdict === 'not-run');
  const mustNotRunResults = mustNotRunAll.filter((c) => classOf(c) === 'incomplete');
  const environmentResults = mustNotRunAll.filter((c) => classOf(c) === 'environment');
  const mustNotRun = mustNotRunResults.map(checkLabel);
  const notEstablished: NotEstablished[] = [...mustNotRunResults, ...environmentResults].map((c) => ({
    check: checkLabel(c),
    reason: c.reason || 'not run (no reason recorded)',
    class: classOf(c),
    how: c.establish ?? (browserAbsent(c) ? INSTALL_BROWSER : null),
  }));

  let status: CertificationStatus;
  if (mustFailed.length > 0) status = 'not-certified';
  else if (mustNotRun.length > 0 || input.runError !== null || input.checks.length === 0) status = 'incomplete';
  else status = 'certified';

  const notes: string[] = [];
  if (input.runError) {
    notes.push(`The run failed before the checks (${input.runError.code}): ${firstLine(input.runError.message)}`);
  }
  if (input.runStatus === 'interrupted') notes.push('The run was interrupted; checks it did not reach are reported as not-run.');
  if (input.runStatus === 'timedout') notes.push('The run reached its global timeout; checks it did not reach are reported as not-run.');
  if (input.checks.length === 0) notes.push('No check ran, so nothing can be certified.');
  const flaky = input.checks.filter((c) => c.flaky);
  if (flaky.length > 0) {
    notes.push(`Passed only on retry, counted as not passed (an intermittent requirement is not met): ${flaky.map(checkLabel).join(', ')}.`);
  }
  if (unavailable.size > 0) {
    const n = input.checks.filter(browserAbsent).length;
    notes.push(
      `Not run because the browser is not installed here: ${[...unavailable].join(', ')} (${n} check(s)). ` +
        'They do not count against the platform; install the browser and run again to certify it.',
    );
  }
  if (status === 'incomplete' && mustNotRun.length > 0) {
    notes.push(`The certification is incomplete: ${mustNotRun.length} must check(s) did not run (see "Not established" for each reason).`);
  } else if (status === 'not-certified' && mustNotRun.length > 0) {
    notes.push(`Besides the failed check(s), ${mustNotRun.length} must check(s) did not run (see "Not established" for each reason).`);
  }
  if (environmentResults.length > 0) {
    notes.push(
      `${environmentResults.length} must check(s) cannot be made from where the suite ran (not installed browser, network, credentials); ` +
        'they do not block the outcome and are listed under "Not established" with how to establish them.',
    );
  }
  notes.push(...(input.notes ?? []));

  return {
    certified: status === 'certified',
    status,
    counts,
    mustFailed,
    mustNotRun,
    notEstablished,
    notEstablishedLine: notEstablishedLine(notEstablished),
    exitCode: input.runError ? EXIT_UNUSABLE_INPUT : exitCodeFor(status),
    notes,
  };
}

/**
 * One line naming every must check not established, grouped by class and by how to establish
 * them: `Not established — blocks the certification: call.media (chromium, firefox): <reason>; to
 * establish: <how>. Not established here (environment, does not block): turn.relay.restricted
 * (chromium, firefox): <reason>; to establish: <how>.` Empty when everything was established.
 */
export function notEstablishedLine(items: readonly NotEstablished[]): string {
  const part = (cls: NotRunClass, title: string) => {
    const groups = groupNotEstablished(items).filter((g) => g.class === cls);
    if (groups.length === 0) return null;
    const texts = groups.map((g) => `${g.names}: ${firstLine(g.reason, 200)}${g.how ? `; to establish: ${g.how}` : ''}`);
    return `${title}: ${texts.join(' | ')}.`;
  };
  return [part('incomplete', 'Not established, so the certification is incomplete'), part('environment', 'Not established from where the suite ran (does not block)')]
    .filter((p): p is string => p !== null)
    .join(' ');
}

/** Checks not established for the same reason, with the same way to establish them. */
export interface NotEstablishedGroup {
  class: NotRunClass;
  /** `call.media (chromium, firefox), turn.relay.tcp (webkit)`: each check id once, with its browsers. */
  names: string;
  reason: string;
  how: string | null;
}

/**
 * Groups `notEstablished` by class, reason and how to establish, in first-seen order, naming each
 * check once with its browsers: one absent browser is one line, not one line per check it skipped.
 */
export function groupNotEstablished(items: readonly NotEstablished[]): NotEstablishedGroup[] {
  const groups = new Map<string, NotEstablished[]>();
  for (const n of items) {
    const key = `${n.class ?? 'incomplete'}\u0000${n.reason}\u0000${n.how ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return [...groups.values()].map((g) => {
    const byId = new Map<string, string[]>();
    for (const n of g) {
      const m = /^(.*) \((.*)\)$/.exec(n.check);
      const [id, where] = m ? [m[1]!, m[2]!] : [n.check, ''];
      byId.set(id, [...(byId.get(id) ?? []), ...(where ? [where] : [])]);
    }
    const first = g[0]!;
    return {
      class: first.class ?? 'incomplete',
      names: [...byId].map(([id, where]) => (where.length ? `${id} (${where.join(', ')})` : id)).join(', '),
      reason: first.reason,
      how: first.how ?? null,
    };
  });
}

/**
 * The browsers of the run: each browser project's metadata, with what the browser reported once
 * launched (its real version, channel and executable) taking precedence over what was detected
 * before the run. The name stays the project's (`chrome`, `firefox`): the launched engine calls
 * itself by its engine name (`chromium`), which would hide which browser was asked for.
 */
export function mergeBrowserRecords(
  fromProjects: readonly BrowserRecord[],
  launched: ReadonlyMap<string, Partial<Pick<BrowserRecord, 'name' | 'version' | 'channel' | 'executable'>>>,
): BrowserRecord[] {
  return fromProjects.map((p) => {
    const l = launched.get(p.project);
    if (!l) return { ...p };
    return {
      project: p.project,
      name: p.name,
      ...(p.label ? { label: p.label } : {}),
      version: l.version ?? p.version,
      channel: l.channel ?? p.channel,
      executable: l.executable ?? p.executable,
      notRunReason: p.notRunReason,
    };
  });
}

/** Code-point order: the same on every machine, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isFailure(status: AttemptStatus): boolean {
  return status === 'failed' || status === 'timedOut';
}

function findLastIndex<T>(items: readonly T[], pred: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i]!)) return i;
  return -1;
}
