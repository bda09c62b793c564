import { exitCodeFor } from '../verdict/outcome.ts';
import type { CertificationReport, CertificationStatus, CheckResult, Verdict } from '../verdict/types.ts';
import { groupNotEstablished } from '../verdict/decide.ts';

/**
 * Text shared by the console and the Markdown report. Plain characters only (no colours, no
 * cursor movement): the output is read in CI logs and piped files as often as in a terminal.
 */

export const VERDICT_SYMBOL: Record<Verdict, string> = {
  pass: '✔',
  fail: '✘',
  warn: '⚠',
  'not-applicable': '–',
  'not-run': '○',
};

export const VERDICT_ORDER: readonly Verdict[] = ['pass', 'fail', 'warn', 'not-applicable', 'not-run'];

export const STATUS_TITLE: Record<CertificationStatus, string> = {
  certified: 'CERTIFIED',
  'not-certified': 'NOT CERTIFIED',
  incomplete: 'INCOMPLETE',
};

/** Where a check ran, as shown to people: the browser, or the project for Node-side checks. */
export function whereLabel(c: Pick<CheckResult, 'browser' | 'project'>): string {
  return c.browser ?? (c.project || 'platform');
}

/** `<symbol> <verdict>`, padded so that the columns after it line up. */
export function verdictLabel(v: Verdict, pad = true): string {
  const s = `${VERDICT_SYMBOL[v]} ${v}`;
  return pad ? s.padEnd(2 + 'not-applicable'.length) : s;
}

/** Cuts to `max` characters (by code point) with an ellipsis; newlines become spaces. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  const chars = [...flat];
  if (chars.length <= max) return flat;
  return max <= 1 ? chars.slice(0, max).join('') : `${chars.slice(0, max - 1).join('')}…`;
}

function pad(text: string, width: number): string {
  const t = truncate(text, width);
  return t + ' '.repeat(Math.max(0, width - [...t].length));
}

/** What a result says in one phrase: the observed value, or why there is none. */
export function observedOrReason(c: CheckResult): string {
  if (c.verdict === 'not-run' || c.verdict === 'not-applicable') return c.reason ?? c.observed;
  return c.observed;
}

/** `6 pass, 1 fail, 1 warn, 0 not-applicable, 1 not-run` */
export function countsLine(counts: Record<Verdict, number>): string {
  return VERDICT_ORDER.map((v) => `${counts[v]} ${v}`).join(', ');
}

/** One sentence saying why the certification came out as it did. */
export function statusSentence(report: CertificationReport): string {
  const s = report.summary;
  switch (s.status) {
    case 'certified': {
      const env = (s.notEstablished ?? []).filter((n) => n.class === 'environment').length;
      return env > 0 ? `every must check that can be made from where the suite ran passed; ${env} cannot be made from here (see "Not established").` : 'every must check passed.';
    }
    case 'not-certified':
      return `${s.mustFailed.length} must check(s) failed: ${s.mustFailed.join(', ')}.`;
    case 'incomplete':
      if (report.error) return `the run failed before the checks (${report.error.code}).`;
      if (s.mustNotRun.length > 0) return `no must check failed, but ${s.mustNotRun.length} did not run: ${s.mustNotRun.join(', ')}.`;
      return 'no check ran.';
  }
}

/** `INCOMPLETE (exit 3)`: the outcome as the CLI reports it. */
export function outcomeLabel(report: CertificationReport): string {
  const s = report.summary;
  return `${STATUS_TITLE[s.status]} (exit ${s.exitCode ?? exitCodeFor(s.status)})`;
}

/**
 * What the run did not establish, one line per reason: `<checks>: <reason> — to establish: <how>`,
 * the checks that share a reason and a way to establish them named together (an absent browser is
 * one line, not one per check it skipped); those that make the certification incomplete first,
 * then those this environment cannot make, marked `(environment, does not block)`.
 * Reports written before `notEstablished` existed give the labels without reasons.
 */
export function notEstablishedLines(report: CertificationReport): string[] {
  const s = report.summary;
  if (s.notEstablished) {
    return groupNotEstablished(s.notEstablished).map(
      (g) => `${g.class === 'environment' ? '(environment, does not block) ' : ''}${g.names}: ${g.reason}${g.how ? ` — to establish: ${g.how}` : ''}`,
    );
  }
  return s.mustNotRun.map((l) => `${l}: see its reason below`);
}

/** A finished check, as it scrolls by during the run: `✔ pass  https.tls.valid  (platform)  TLSv1.3, chain ok`. */
export function progressLine(c: CheckResult, width: number): string {
  let detail = observedOrReason(c);
  if (c.verdict === 'fail' || c.verdict === 'warn') {
    // A flaky check's diagnosis already says that it passed only on retry, and what failed first.
    detail = c.flaky ? (c.diagnosis ?? detail) : `${detail} — ${c.diagnosis ?? ''}`;
  }
  return truncate(`${verdictLabel(c.verdict)}  ${c.id}  (${whereLabel(c)})  ${detail}`, width);
}

/** Printed when an attempt failed and Playwright will run the check again. */
export function retryLine(id: string, where: string, attempt: number, error: string | null, width: number): string {
  return truncate(`${'↻ retry'.padEnd(2 + 'not-applicable'.length)}  ${id}  (${where})  attempt ${attempt} failed${error ? `: ${error}` : ''}; running it again`, width);
}

export interface ReportPaths {
  json: string;
  markdown: string;
  html: string;
  allure: string;
}

/**
 * The end-of-run table, k6 style: every criterion printed beside the value observed, then the
 * overall result, the notes and where the reports are.
 */
export function summaryTable(report: CertificationReport, paths: ReportPaths, width: number): string {
  const checks = report.checks;
  const idW = Math.min(34, Math.max(5, ...checks.map((c) => c.id.length)));
  const whereW = Math.min(14, Math.max(7, ...checks.map((c) => whereLabel(c).length)));
  const verdictW = 2 + 'not-applicable'.length;
  const titleW = 30;
  const fixed = 2 + verdictW + 2 + idW + 2 + whereW + 2 + titleW + 2;
  const rest = Math.max(40, width - fixed);
  const observedOf = (c: CheckResult) => (c.flaky ? '(retry passed) ' : '') + observedOrReason(c);
  // Observed values are short by contract; give them what they need, up to 60 %, and the criterion the rest.
  const observedW = Math.min(Math.floor(rest * 0.6), Math.max(12, ...checks.map((c) => [...observedOf(c)].length)));
  const criterionW = Math.max(10, rest - observedW - 2);
  const row = (v: string, id: string, where: string, title: string, observed: string, criterion: string) =>
    truncate(`  ${pad(v, verdictW)}  ${pad(id, idW)}  ${pad(where, whereW)}  ${pad(title, titleW)}  ${pad(observed, observedW)}  ${criterion}`, width).trimEnd();

  const lines: string[] = [''];
  lines.push(row('VERDICT', 'CHECK', 'BROWSER', 'TITLE', 'OBSERVED', 'CRITERION'));
  for (const c of checks) {
    lines.push(row(verdictLabel(c.verdict, false), c.id, whereLabel(c), c.title, observedOf(c), truncate(c.criterion, criterionW)));
  }
  if (checks.length === 0) lines.push('  (no check ran)');
  lines.push('');
  lines.push(`  ${outcomeLabel(report)}: ${statusSentence(report)}`);
  if (report.summary.notEstablishedLine) lines.push(`  ${report.summary.notEstablishedLine}`);
  lines.push(`  ${checks.length} check(s): ${countsLine(report.summary.counts)}`);
  const missing = notEstablishedLines(report);
  if (missing.length > 0) {
    lines.push('  Not established (must checks that did not run):');
    for (const m of missing) lines.push(`   ○ ${m}`);
  }
  if (report.summary.notes.length > 0) {
    lines.push('  Notes:');
    for (const n of report.summary.notes) lines.push(`   • ${n}`);
  }
  lines.push('  Reports:');
  lines.push(`    certification.json  ${paths.json}`);
  lines.push(`    certification.md    ${paths.markdown}`);
  lines.push(`    HTML report         ${paths.html}`);
  lines.push(`    Allure results      ${paths.allure}`);
  lines.push('');
  return lines.join('\n');
}
