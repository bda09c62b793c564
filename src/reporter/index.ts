import { RESOLVED_ENV } from '../targets/index.ts';
import type { TargetState as TargetStateWritten } from '../targets/types.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestError, TestResult } from '@playwright/test/reporter';
import { redact, redactText, registerSecret, registerSecretsFromEnv } from '../redact/index.ts';
import { CHECKS } from '../verdict/catalogue.ts';
import {
  type CheckRun,
  type RunContext,
  decideCertification,
  decideCheck,
  didNotRunReason,
  firstLine,
  mergeBrowserRecords,
  mergeRepeats,
  sortChecks,
  uncoveredChecks,
} from '../verdict/decide.ts';
import { NOT_RUN_ANNOTATION, parseNotRunNote } from '../verdict/outcome.ts';
import type { BrowserRecord, CertificationReport, CheckDefinition, CheckResult } from '../verdict/types.ts';
import { type ReportPaths, progressLine, retryLine, summaryTable, whereLabel } from './format.ts';
import { type LaunchedBrowser, NOT_APPLICABLE_ANNOTATION, annotationDescription, attemptOf, launchedBrowserOf, projectBrowser, readCheckAnnotation, testLabel } from './gather.ts';
import { renderMarkdown } from './markdown.ts';

export { renderMarkdown } from './markdown.ts';
export { BROWSER_ATTACHMENT, CHECK_ANNOTATION, EVIDENCE_ATTACHMENT, NOT_APPLICABLE_ANNOTATION } from './gather.ts';

/** Options of the reporter, as given in playwright.config.ts: `['./src/reporter/index.ts', options]`. */
export interface TalkCertifyReporterOptions {
  /**
   * Folder for certification.json and certification.md, relative to the config file's folder.
   * The HTML report (`html/`) and the Allure results (`allure-results/`) are expected in it too;
   * the reporter only prints their paths.
   */
  outputDir: string;
  /** The target state written by global setup (relative to the config file's folder); absent when setup failed early. */
  stateFile: string;
  /** Run id printed in the reports; when empty, the one in the state file. */
  runId: string;
  /** Print nothing on stdout; Playwright then adds its default terminal reporter. Default: false. */
  quiet?: boolean;
  /**
   * `catalogue` (default): every check of src/verdict/catalogue.ts that no test of this run
   * declared is reported as not-run, so a run narrowed by --grep/--project cannot certify.
   * `run`: only the checks the run declared (used by the reporter's own self-tests).
   */
  coverage?: 'catalogue' | 'run';
}

/** What global setup writes for the reporter (src/targets/types.ts), read back defensively. */
type TargetState = Omit<TargetStateWritten, 'runId'> & { runId?: string };

/** Width of console lines when stdout is not a terminal (CI logs wrap or scroll sideways). */
const NON_TTY_WIDTH = 160;

/**
 * The certification reporter. It collects during the run (the config, the suite, global errors)
 * and decides in onEnd from each test's `outcome()`, after retries, when everything is known;
 * the progress lines printed on the way are provisional views of the same decision.
 * Verdict rules live in src/verdict/decide.ts; this class only reads Playwright's objects.
 *
 * It coexists with Playwright's `html` and `allure-playwright` reporters (both silent on stdout).
 * Unless `quiet`, it is the run's terminal reporter: it claims stdout so that Playwright does not
 * add its `line`/`dot` reporter, whose cursor movements would overwrite these lines.
 */
export default class TalkCertifyReporter implements Reporter {
  private readonly options: Required<TalkCertifyReporterOptions>;
  private config: FullConfig | undefined;
  private suite: Suite | undefined;
  private readonly globalErrors: string[] = [];
  /**
   * `playwright test --list` loads the configured reporters too, then ends without running
   * anything: a certification written then would overwrite the last real one with "nothing ran".
   * The documented CLI flag is the only public signal of it (reporters learn the mode only
   * through a private option).
   */
  private readonly listing = process.argv.includes('--list');

  constructor(options: TalkCertifyReporterOptions) {
    for (const key of ['outputDir', 'stateFile'] as const) {
      if (typeof options?.[key] !== 'string' || options[key] === '') {
        throw new Error(`talk-certify reporter: option "${key}" must be a non-empty path, got ${JSON.stringify(options?.[key])}`);
      }
    }
    this.options = {
      outputDir: options.outputDir,
      stateFile: options.stateFile,
      runId: options.runId ?? '',
      quiet: options.quiet ?? false,
      coverage: options.coverage ?? 'catalogue',
    };
    registerRunSecrets();
  }

  printsToStdio(): boolean {
    // When listing, let Playwright add its own list printer.
    return !this.options.quiet && !this.listing;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.config = config;
    this.suite = suite;
    // Global setup has run by now (and loaded .env): register what it added to the environment.
    registerRunSecrets();
    if (this.listing) return;
    const checks = suite.allTests().filter((t) => readCheckAnnotation(t).kind === 'check').length;
    if (checks > 0) {
      this.print(`talk-certify ${toolVersion()}: ${checks} check(s) to run, ${config.workers} worker(s)${this.options.runId ? `, run ${this.options.runId}` : ''}`);
    }
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (this.options.quiet || this.listing) return;
    const ann = readCheckAnnotation(test);
    if (ann.kind !== 'check') return;
    const browser = projectBrowser(test.parent.project());
    const where = whereLabel({ browser: browser?.name ?? null, project: test.parent.project()?.name ?? '' });
    // Same rule as Playwright's terminal reporters: a failed attempt with retries left is not final.
    if (test.outcome() === 'unexpected' && test.results.length <= test.retries) {
      const err = result.errors[0]?.message ?? result.error?.message ?? null;
      this.print(retryLine(ann.definition.id, where, result.retry + 1, err ? firstLine(redactText(err), 120) : null, width()));
      return;
    }
    const provisional: RunContext = { runError: null, runStatus: 'passed', maxFailuresReached: null };
    this.print(progressLine(decideCheck(checkRunOf(test, ann.definition, provisional, [])), width()));
  }

  /**
   * Output of the tests and fixtures, passed through redacted, as Playwright's terminal reporters
   * would print it (they are not added while this reporter claims stdout).
   */
  onStdOut(chunk: string | Buffer): void {
    if (this.printsToStdio()) process.stdout.write(redactText(chunk.toString()));
  }

  onStdErr(chunk: string | Buffer): void {
    if (this.printsToStdio()) process.stderr.write(redactText(chunk.toString()));
  }

  onError(error: TestError): void {
    const message = redactText(error.message ?? error.value ?? error.stack ?? 'unknown error');
    this.globalErrors.push(message);
    this.print(`✘ error: ${message.split('\n').slice(0, 20).join('\n  ')}`);
  }

  async onEnd(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    if (this.listing) return undefined;
    try {
      registerRunSecrets();
      const report = this.buildReport(result);
      const paths = this.write(report);
      this.print(summaryTable(report, displayPaths(paths), width()));
      // A flaky must check leaves Playwright's status at "passed"; the certification decides the exit code.
      // The other way round never: a "failed" run (a worker crash, a reporter error) stays failed.
      if (!report.summary.certified && result.status === 'passed') return { status: 'failed' };
      return undefined;
    } catch (err) {
      process.stderr.write(`talk-certify reporter: could not write the certification: ${redactText(String((err as Error)?.stack ?? err))}\n`);
      return { status: 'failed' };
    }
  }

  private buildReport(result: FullResult): CertificationReport {
    const config = this.config;
    const tests = this.suite?.allTests() ?? [];
    const stateFile = this.resolve(this.options.stateFile);
    const state = readState(stateFile);
    const notes: string[] = [];
    if (state.problem) notes.push(state.problem);
    // The state file outlives its run: when global setup failed before writing it, the one on
    // disk describes an earlier run, and its target, versions and (absent) error would be wrong.
    if (state.value?.runId && this.options.runId && state.value.runId !== this.options.runId) {
      notes.push(`Ignored ${stateFile}: it was written by run ${state.value.runId}, not by this run (${this.options.runId}); the target and its versions are unknown.`);
      state.value = null;
    }

    const anyRan = tests.some((t) => t.results.some((r) => r.workerIndex >= 0));
    const runError = state.value?.error ?? (!anyRan && this.globalErrors.length > 0 ? { code: 'RUN_ERROR', message: this.globalErrors[0]! } : null);
    if (anyRan && this.globalErrors.length > 0) {
      notes.push(`${this.globalErrors.length} error(s) outside the checks: ${this.globalErrors.map((e) => firstLine(e)).join(' / ')}`);
    }
    const maxFailures = config?.maxFailures ?? 0;
    const unexpected = tests.filter((t) => t.outcome() === 'unexpected').length;
    const ctx: RunContext = {
      runError,
      runStatus: result.status,
      maxFailuresReached: maxFailures > 0 && unexpected >= maxFailures ? maxFailures : null,
    };

    const results: CheckResult[] = [];
    const nonChecks: string[] = [];
    const launched = new Map<string, LaunchedBrowser>();
    for (const test of tests) {
      const project = test.parent.project();
      const browserAttachment = launchedBrowserOf(test);
      if (browserAttachment && project && !launched.has(project.name)) launched.set(project.name, browserAttachment);
      const ann = readCheckAnnotation(test);
      if (ann.kind === 'none') {
        nonChecks.push(testLabel(test));
        continue;
      }
      if (ann.kind === 'malformed') {
        notes.push(`${testLabel(test)} has a malformed talk-certify:check annotation (${ann.problem}); it was not counted.`);
        continue;
      }
      const problems: string[] = [];
      results.push(decideCheck(checkRunOf(test, ann.definition, ctx, problems)));
      for (const p of new Set(problems)) notes.push(`${ann.definition.id} (${testLabel(test)}): ${p}; reported as without evidence.`);
    }
    if (nonChecks.length > 0) {
      const shown = nonChecks.slice(0, 5).join('; ');
      notes.push(`${nonChecks.length} test(s) without a talk-certify:check annotation are not checks and were not counted: ${shown}${nonChecks.length > 5 ? '; …' : ''}.`);
    }

    const browserProjects = (config?.projects ?? []).map((p) => projectBrowser(p)).filter((b): b is BrowserRecord => b !== null);
    const browsers = mergeBrowserRecords(browserProjects, launched);
    const covered = this.options.coverage === 'catalogue' ? [...results, ...uncoveredChecks(CHECKS as readonly CheckDefinition[], results, browserProjects, ctx)] : results;
    const merged = mergeRepeats(covered);
    notes.push(...merged.notes);
    const checks = sortChecks(merged.results, CHECKS as readonly CheckDefinition[]);
    const unavailableBrowsers = browsers.filter((b) => b.notRunReason).map((b) => b.project);
    const summary = decideCertification({ checks, runError, runStatus: result.status, notes, unavailableBrowsers });

    const s = state.value;
    const report: CertificationReport = {
      tool: { name: 'talk-certify', version: toolVersion() },
      runId: this.options.runId || s?.runId || '',
      target: { kind: s?.kind ?? 'unknown', url: s?.url ?? 'unknown', profile: s?.profile ?? null },
      startedAt: result.startTime.toISOString(),
      finishedAt: new Date().toISOString(),
      versions: { nextcloud: s?.nextcloudVersion ?? null, talk: s?.talkVersion ?? null, talkNote: s?.talkNote ?? null, browsers },
      summary,
      error: runError,
      checks,
    };
    // Evidence and errors were redacted when gathered; this pass catches secrets registered since,
    // and secret-shaped keys anywhere in the report.
    return redact(report);
  }

  private write(report: CertificationReport): ReportPaths {
    const dir = this.resolve(this.options.outputDir);
    mkdirSync(dir, { recursive: true });
    const paths: ReportPaths = {
      json: path.join(dir, 'certification.json'),
      markdown: path.join(dir, 'certification.md'),
      html: path.join(dir, 'html', 'index.html'),
      allure: path.join(dir, 'allure-results'),
    };
    writeFileSync(paths.json, `${redactText(JSON.stringify(report, null, 2))}\n`);
    writeFileSync(paths.markdown, redactText(renderMarkdown(report)));
    return paths;
  }

  /** Paths in options are relative to the config file's folder, like Playwright's own reporters' output folders. */
  private resolve(p: string): string {
    const base = this.config?.configFile ? path.dirname(this.config.configFile) : (this.config?.rootDir ?? process.cwd());
    return path.resolve(base, p);
  }

  private print(text: string): void {
    if (!this.options.quiet && !this.listing) process.stdout.write(`${redactText(text)}\n`);
  }
}

/** The CheckRun of one test: its definition, where it ran, its attempts and the annotations that explain a skip. */
function checkRunOf(test: TestCase, definition: CheckDefinition, ctx: RunContext, problems: string[]): CheckRun {
  const project = test.parent.project();
  const browser = projectBrowser(project);
  // Playwright reports a test it decided not to run (after a failure in its serial group, behind a
  // failed dependency) with one `skipped` result on worker -1: a decision of the runner, not an attempt.
  const attempts = test.results.filter((r) => r.workerIndex >= 0).map((r) => attemptOf(r, problems));
  const attempted = test.results.some((r) => r.status === 'skipped');
  const naReason = annotationDescription(test, NOT_APPLICABLE_ANNOTATION);
  // A project whose browser is absent skips its tests before launching; its reason is the fallback.
  const skipReason = annotationDescription(test, 'skip') ?? annotationDescription(test, 'fixme') ?? browser?.notRunReason ?? null;
  return {
    definition,
    project: project?.name ?? '',
    browser: browser?.name ?? null,
    outcome: test.outcome(),
    attempts,
    notApplicableReason: naReason === null ? null : redactText(naReason),
    skipReason: skipReason === null ? null : redactText(skipReason),
    didNotRunReason: didNotRunReason(ctx, attempted),
    notRunNote: parseNotRunNote(annotationDescription(test, NOT_RUN_ANNOTATION)),
    browserAbsent: browser?.notRunReason ?? null,
  };
}

function readState(file: string): { value: TargetState | null; problem: string | null } {
  if (!existsSync(file)) {
    return { value: null, problem: `No target state at ${file}: global setup did not write it, so the target and its versions are unknown.` };
  }
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<TargetState>;
    const str = (x: unknown) => (typeof x === 'string' ? x : null);
    const err = v.error && typeof v.error === 'object' ? v.error : undefined;
    return {
      value: {
        kind: str(v.kind) ?? 'unknown',
        url: str(v.url) ?? 'unknown',
        profile: str(v.profile),
        nextcloudVersion: str(v.nextcloudVersion),
        talkVersion: str(v.talkVersion),
        talkNote: str(v.talkNote),
        ...(str(v.runId) ? { runId: str(v.runId)! } : {}),
        ...(err ? { error: { code: str(err.code) ?? 'SETUP_FAILED', message: redactText(str(err.message) ?? '') } } : {}),
      },
      problem: null,
    };
  } catch (e) {
    return { value: null, problem: `The target state ${file} is unreadable (${(e as Error).message}); the target and its versions are unknown.` };
  }
}

/**
 * Secrets of this run: every *_PASSWORD/*_SECRET/*_TOKEN variable, plus the credentials global
 * setup passes to the workers inside the resolved target (the reference platform generates its
 * users' passwords, so they are in no variable of their own).
 */
function registerRunSecrets(): void {
  registerSecretsFromEnv();
  const resolved = process.env[RESOLVED_ENV];
  if (!resolved) return;
  try {
    registerSecretValues(JSON.parse(resolved), undefined);
  } catch {
    // Not JSON: nothing structured to register; the variable itself is never printed.
  }
}

function registerSecretValues(value: unknown, key: string | undefined): void {
  if (typeof value === 'string') {
    if (key && /password|secret|token|credential/i.test(key)) registerSecret(value);
  } else if (Array.isArray(value)) {
    for (const v of value) registerSecretValues(v, key);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) registerSecretValues(v, k);
  }
}

let cachedVersion: string | undefined;
/** talk-certify's version, from the package.json two folders above this file. */
function toolVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
      cachedVersion = String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

function width(): number {
  return process.stdout.isTTY && process.stdout.columns ? Math.max(80, process.stdout.columns) : NON_TTY_WIDTH;
}

/** Paths relative to the working directory when they are below it: shorter, and clickable in most terminals. */
function displayPaths(paths: ReportPaths): ReportPaths {
  const rel = (p: string) => {
    const r = path.relative(process.cwd(), p);
    return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
  };
  return { json: rel(paths.json), markdown: rel(paths.markdown), html: rel(paths.html), allure: rel(paths.allure) };
}
