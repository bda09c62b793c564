/**
 * The certification vocabulary. Pure data: nothing here imports Playwright, so the reporter,
 * the CLI and the unit tests share one definition of what a check and a verdict are.
 */

/** `must`: Talk does not work for some users without it. `should`: Talk works, but worse. */
export type Severity = 'must' | 'should';

/**
 * - pass / fail: the requirement was (not) met; a failed `should` check is reported as `warn`.
 * - not-applicable: the requirement does not apply here (e.g. a browser build without WebAssembly SIMD).
 * - not-run: the check could not establish anything (missing credentials, browser absent, run aborted).
 */
export type Verdict = 'pass' | 'fail' | 'warn' | 'not-applicable' | 'not-run';

/** Who saw it: a client of ours observed it, the server reported it about itself, or we inferred it. */
export type Provenance = 'observed' | 'reported' | 'inferred';

/** Where a check runs: once per run from Node (`platform` project), or once per browser project. */
export type RunsIn = 'node' | 'browser';

/**
 * Why a check did not run, in the two classes the certification rule distinguishes
 * (src/verdict/decide.ts `decideCertification`):
 * - `environment`: the place the suite ran from cannot make this check, through nothing the
 *   target did or lacked: the browser is not installed here, this machine's network is not the
 *   restricted network the check needs (and is not declared so), no administrator account was
 *   given for what only administrators can read. It does not block a certification; the summary
 *   lists it with how to establish it elsewhere.
 * - `incomplete`: the check could not be established on what the run had (the suite could not
 *   drive Talk's UI, the client was throttled, the run was interrupted or narrowed, a test user or
 *   a second participant is missing, Talk is missing for it): the certification is INCOMPLETE.
 */
export type NotRunClass = 'environment' | 'incomplete';

/** One must check the run did not establish, with why and how to establish it. */
export interface NotEstablished {
  /** `<id> (<browser or project>)`. */
  check: string;
  reason: string;
  /** Absent in reports written before the classes existed (then: `incomplete`). */
  class?: NotRunClass;
  /** What to do to establish it; null when the reason already says it. */
  how?: string | null;
}

export interface CheckDefinition {
  /** Stable id, `<area>.<subject>[.<aspect>]`; reports, Allure labels and self-tests key on it. */
  readonly id: string;
  readonly area: string;
  /** The requirement stated as a fact; this is the Playwright test title. */
  readonly title: string;
  /** The sentence of Talk's system requirements (or Nextcloud's docs) this check certifies. */
  readonly requirement: string;
  readonly severity: Severity;
  readonly provenance: Provenance;
  readonly runsIn: RunsIn;
  /** What passing means, printed beside the observed value. */
  readonly criterion: string;
  /** What the operator does when the check does not pass. */
  readonly remedy: string;
}

/** What a check records about what it saw; attached to the test as JSON. */
export interface Evidence {
  /** The observed value in a few words, printed beside the criterion ("TLSv1.3, chain ok, 89 days left"). */
  observed: string;
  /** Why it failed, in a sentence an operator understands; absent on a pass. */
  diagnosis?: string;
  /** Overrides the definition's provenance when this run had to infer what it normally observes. */
  provenance?: Provenance;
  /** Structured details: URLs, headers, timings, console lines, candidates (secrets already redacted). */
  details: Record<string, unknown>;
}

export interface CheckResult {
  id: string;
  title: string;
  requirement: string;
  severity: Severity;
  /** The Playwright project's browser name, or null for checks that run from Node. */
  browser: string | null;
  /** The Playwright project the check ran in (`platform` for Node-side checks). */
  project: string;
  verdict: Verdict;
  provenance: Provenance;
  criterion: string;
  observed: string;
  diagnosis: string | null;
  /** Why the check did not run or does not apply. */
  reason: string | null;
  /** For `not-run`: whose limit it was (see NotRunClass); absent on other verdicts and in older reports. */
  notRunClass?: NotRunClass;
  /** For `not-run`: how to establish the check (run from elsewhere, set a variable, …); null when the reason says it. */
  establish?: string | null;
  evidence: Record<string, unknown>;
  remedy: string | null;
  /** How many times the check ran; >1 only when retries are configured. */
  attempts: number;
  /** Failed at least once and then passed: counted as not passed (see `decideVerdict`). */
  flaky: boolean;
  durationMs: number;
}

export interface BrowserRecord {
  /** Playwright project name. */
  project: string;
  /** Browser name as in TALK_BROWSERS (chromium, firefox, webkit, chrome, …). */
  name: string;
  /** What was found on this machine, e.g. "Firefox ESR (WebDriver BiDi)"; optional for older reports. */
  label?: string;
  version: string | null;
  channel: string | null;
  executable: string | null;
  /** Set when the browser was asked for but could not run. */
  notRunReason: string | null;
}

export type CertificationStatus = 'certified' | 'not-certified' | 'incomplete';

export interface CertificationReport {
  tool: { name: string; version: string };
  runId: string;
  target: { kind: string; url: string; profile: string | null };
  startedAt: string;
  finishedAt: string;
  versions: {
    nextcloud: string | null;
    talk: string | null;
    /** Why `talk` is null: `not installed (…)`, or not established (e.g. invalid TLS). Absent in older reports. */
    talkNote?: string | null;
    browsers: BrowserRecord[];
  };
  summary: {
    /** True when every `must` check that ran passed and none is missing (see `decideCertification`). */
    certified: boolean;
    /** `not-certified` when a `must` check failed; `incomplete` when none failed but one did not run, or the run itself failed. */
    status: CertificationStatus;
    counts: Record<Verdict, number>;
    /** `must` checks with verdict `fail`, as `<id> (<browser or project>)`. */
    mustFailed: string[];
    /** `must` checks with verdict `not-run`, as `<id> (<browser or project>)`: why the certification is incomplete. */
    mustNotRun: string[];
    /**
     * What this run did not establish: each `must` check in `mustNotRun`, with why it did not run
     * (the certification cannot claim the requirement it certifies is met). Absent in reports
     * written before it existed.
     */
    notEstablished?: NotEstablished[];
    /**
     * The one-line answer to "what does this outcome not cover, and how do I cover it": the must
     * checks not established, grouped by how to establish them. Empty when everything was
     * established. Absent in older reports.
     */
    notEstablishedLine?: string;
    /** The exit code of `npm run certify` for this outcome (src/verdict/outcome.ts). Absent in older reports. */
    exitCode?: number;
    notes: string[];
  };
  /** A run-level error (target unreachable, bad credentials) that stopped the checks. */
  error: { code: string; message: string } | null;
  checks: CheckResult[];
}
