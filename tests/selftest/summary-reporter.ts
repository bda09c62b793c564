import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase } from '@playwright/test/reporter';

/**
 * Ends the self-test output with one plain line CI tooling can read: `selftest: N passed, N failed,
 * N skipped`, after where the time went: each spec file's wall span (first test started to last
 * test ended; the self-tests run one at a time, so the spans add up to the run), longest first.
 */
/** Spec files listed by name; the rest are summed in one line. */
const TOP_FILES = 20;

export default class SummaryReporter implements Reporter {
  private readonly outcomes = new Map<string, ReturnType<TestCase['outcome']>>();
  private readonly spans = new Map<string, { start: number; end: number }>();
  private rootDir = '';
  private started = Date.now();

  onBegin(config: FullConfig, _suite: Suite): void {
    this.rootDir = config.rootDir;
    this.started = Date.now();
  }

  /** The spec file a test belongs to (a fault table's tests are declared in faults/driver.ts, called from a spec). */
  private specOf(test: TestCase): string {
    let suite: Suite | undefined = test.parent;
    while (suite && suite.type !== 'file') suite = suite.parent;
    return path.relative(this.rootDir, suite?.location?.file ?? test.location.file);
  }

  onTestBegin(test: TestCase): void {
    const file = this.specOf(test);
    const now = Date.now();
    const span = this.spans.get(file);
    if (span) span.start = Math.min(span.start, now);
    else this.spans.set(file, { start: now, end: now });
  }

  onTestEnd(test: TestCase): void {
    this.outcomes.set(test.id, test.outcome());
    const span = this.spans.get(this.specOf(test));
    if (span) span.end = Math.max(span.end, Date.now());
  }

  onEnd(_result: FullResult): void {
    const total = (Date.now() - this.started) / 1000;
    const rows = [...this.spans.entries()].map(([file, s]) => ({ file, s: (s.end - s.start) / 1000 })).sort((a, b) => b.s - a.s);
    const line = (s: number, what: string) => `  ${s.toFixed(0).padStart(5)} s  ${((100 * s) / total).toFixed(1).padStart(5)} %  ${what}`;
    const lines = rows.slice(0, TOP_FILES).map((r) => line(r.s, r.file));
    const rest = rows.slice(TOP_FILES);
    if (rest.length)
      lines.push(
        line(
          rest.reduce((sum, r) => sum + r.s, 0),
          `${rest.length} other spec file(s)`,
        ),
      );
    process.stdout.write(`\nselftest time by spec file (wall ${total.toFixed(0)} s):\n${lines.join('\n')}\n`);
    const all = [...this.outcomes.values()];
    const passed = all.filter((o) => o === 'expected').length;
    const failed = all.filter((o) => o === 'unexpected' || o === 'flaky').length;
    const skipped = all.filter((o) => o === 'skipped').length;
    process.stdout.write(`\nselftest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
