import { NOT_OBSERVED } from '../verdict/decide.ts';
import type { CertificationReport, CheckResult } from '../verdict/types.ts';
import { STATUS_TITLE, VERDICT_SYMBOL, countsLine, notEstablishedLines, observedOrReason, outcomeLabel, statusSentence, whereLabel } from './format.ts';

/**
 * certification.md: the report for people, readable as plain text in a terminal and rendered on
 * GitHub (job summaries, issues). The JSON report is the complete record; this one shows the
 * verdicts first and spends its length on the checks that did not pass.
 */

/** Evidence longer than this is cut in the Markdown report; certification.json has all of it. */
export const MAX_EVIDENCE_CHARS = 4000;

/** A table cell: no line breaks, no column separators. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim() || ' ';
}

/** Inline code that survives backticks in the value. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

function verdictCell(c: CheckResult): string {
  const v = `${VERDICT_SYMBOL[c.verdict]} ${c.verdict}`;
  const shown = c.verdict === 'fail' ? `**${v}**` : v;
  return c.flaky ? `${shown} (passed only on retry)` : shown;
}

function evidenceBlock(evidence: Record<string, unknown>): string {
  let json = JSON.stringify(evidence, null, 2);
  if (json.length > MAX_EVIDENCE_CHARS) {
    json = `${json.slice(0, MAX_EVIDENCE_CHARS)}\n… (cut at ${MAX_EVIDENCE_CHARS} characters; the full evidence is in certification.json)`;
  }
  return fenced(json, 'json');
}

function section(c: CheckResult): string[] {
  const out: string[] = [];
  out.push(`### ${VERDICT_SYMBOL[c.verdict]} ${c.verdict}: ${code(c.id)} (${whereLabel(c)})`);
  out.push('');
  out.push(`**${c.title}** (${c.severity}, ${c.provenance})`);
  out.push('');
  out.push(`> ${c.requirement.replace(/\n/g, ' ')}`);
  out.push('');
  if (c.diagnosis) out.push(`- **Diagnosis:** ${c.diagnosis}`);
  if (c.reason) out.push(`- **Reason:** ${c.reason}`);
  out.push(`- **Criterion:** ${c.criterion}`);
  if (c.verdict === 'fail' || c.verdict === 'warn' || c.observed !== NOT_OBSERVED) out.push(`- **Observed:** ${c.observed}`);
  if (c.attempts > 1 || c.flaky) {
    out.push(`- **Attempts:** ${c.attempts}${c.flaky ? ' (failed, then passed on a retry: counted as not passed, an intermittent requirement is not met)' : ''}`);
  }
  out.push('');
  if (Object.keys(c.evidence).length > 0) {
    out.push('**Evidence**');
    out.push('');
    out.push(evidenceBlock(c.evidence));
    out.push('');
  }
  if (c.remedy) {
    out.push(`**Remedy:** ${c.remedy}`);
    out.push('');
  }
  return out;
}

export function renderMarkdown(report: CertificationReport): string {
  const s = report.summary;
  const t = report.target;
  const out: string[] = [];
  out.push(`# Nextcloud Talk certification: ${STATUS_TITLE[s.status]}`);
  out.push('');
  out.push(`**${outcomeLabel(report)}:** ${statusSentence(report)}  `);
  if (s.notEstablishedLine) out.push(`${s.notEstablishedLine}  `);
  out.push(`${report.checks.length} check(s): ${countsLine(s.counts)}.`);
  out.push('');
  out.push('| | |');
  out.push('|---|---|');
  out.push(`| Target | ${cell(`${t.url} (${t.kind}${t.profile ? `, profile ${t.profile}` : ''})`)} |`);
  out.push(`| Nextcloud | ${cell(report.versions.nextcloud ?? 'unknown')} |`);
  out.push(`| Talk | ${cell(report.versions.talk ?? report.versions.talkNote ?? 'unknown')} |`);
  for (const b of report.versions.browsers) {
    const what = b.notRunReason
      ? `not run: ${b.notRunReason}`
      : [b.version ?? 'version unknown', b.channel ? `channel ${b.channel}` : null, b.executable ? code(b.executable) : null].filter(Boolean).join(', ');
    out.push(`| Browser ${cell(b.name)} (project ${cell(b.project)}) | ${cell(what)} |`);
  }
  out.push(`| Run | ${cell(`${report.runId || '(no run id)'}, ${report.startedAt} – ${report.finishedAt}`)} |`);
  out.push(`| Tool | ${cell(`${report.tool.name} ${report.tool.version}`)} |`);
  out.push('');

  if (report.error) {
    out.push('## Run error');
    out.push('');
    out.push(`The run failed before the checks could run (${code(report.error.code)}):`);
    out.push('');
    out.push(fenced(report.error.message, 'text'));
    out.push('');
  }
  const missing = notEstablishedLines(report);
  if (missing.length > 0 && !report.error) {
    out.push('## Not established');
    out.push('');
    out.push(
      'These must checks did not run, so the requirement each one certifies was not established. ' +
        'Those marked "environment" cannot be made from where the suite ran and do not block the outcome; the others make it incomplete.',
    );
    out.push('');
    for (const m of missing) out.push(`- ${m.replace(/\n/g, ' ')}`);
    out.push('');
  }
  if (s.notes.length > 0) {
    out.push('## Notes');
    out.push('');
    for (const n of s.notes) out.push(`- ${n}`);
    out.push('');
  }

  out.push('## Checks');
  out.push('');
  if (report.checks.length === 0) {
    out.push('No check ran.');
  } else {
    out.push('| Check | Title | Browser | Verdict | Criterion | Observed |');
    out.push('|---|---|---|---|---|---|');
    for (const c of report.checks) {
      out.push(`| ${code(c.id)} | ${cell(c.title)} | ${cell(whereLabel(c))} | ${verdictCell(c)} | ${cell(c.criterion)} | ${cell(observedOrReason(c))} |`);
    }
  }
  out.push('');

  // Failures first, then warnings, then what did not run or does not apply. After a run error,
  // every check did not run for the same reason, shown once under "Run error".
  const order: CheckResult['verdict'][] = ['fail', 'warn', 'not-run', 'not-applicable'];
  const notPassed = order.flatMap((v) => report.checks.filter((c) => c.verdict === v && !(report.error && v === 'not-run' && c.attempts === 0)));
  if (notPassed.length > 0) {
    out.push('## Checks that did not pass');
    out.push('');
    for (const c of notPassed) out.push(...section(c));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
