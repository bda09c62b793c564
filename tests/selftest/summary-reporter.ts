import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase } from '@playwright/test/reporter';

/**
 * Ends the self-test output with one plain line CI tooling can read: `selftest: N passed, N failed,
 * N skipped`, after where the time went: the time each spec file's tests ran (hooks included),
 * longest first, and each project's wall span. The `selftest` and `timing` projects run one test at a
 * time; `faults` two and `load` four, so their files' figures add up to more than their spans.
 */
/** Spec files listed by name; the rest are summed in one line. */
const TOP_FILES = 20;

export default class SummaryReporter implements Reporter {
  private readonly outcomes = new Map<string, ReturnType<TestCase['outcome']>>();
  /** Per spec file: the time its tests ran (each test's begin to end, hooks included), added up. */
  private readonly busy = new Map<string, number>();
  private readonly begun = new Map<string, number>();
  /** Per project: its first test's begin and its last test's end. */
  private readonly spans = new Map<string, { from: number; to: number }>();
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
    this.begun.set(test.id, Date.now());
  }

  onTestEnd(test: TestCase): void {
    this.outcomes.set(test.id, test.outcome());
    const begun = this.begun.get(test.id);
    if (begun === undefined) return;
    const file = this.specOf(test);
    this.busy.set(file, (this.busy.get(file) ?? 0) + (Date.now() - begun));
    const project = test.parent.project()?.name ?? '';
    const span = this.spans.get(project);
    this.spans.set(project, { from: Math.min(span?.from ?? begun, begun), to: Date.now() });
  }

  onEnd(_result: FullResult): void {
    const total = (Date.now() - this.started) / 1000;
    const rows = [...this.busy.entries()].map(([file, ms]) => ({ file, s: ms / 1000 })).sort((a, b) => b.s - a.s);
    const busy = rows.reduce((sum, r) => sum + r.s, 0);
    const line = (s: number, what: string) => `  ${s.toFixed(0).padStart(5)} s  ${((100 * s) / busy).toFixed(1).padStart(5)} %  ${what}`;
    const lines = rows.slice(0, TOP_FILES).map((r) => line(r.s, r.file));
    const rest = rows.slice(TOP_FILES);
    if (rest.length)
      lines.push(
        line(
          rest.reduce((sum, r) => sum + r.s, 0),
          `${rest.length} other spec file(s)`,
        ),
      );
    const projects = [...this.spans.entries()].map(([name, { from, to }]) => `${name} ${((to - from) / 1000).toFixed(0)} s`).join(', ');
    process.stdout.write(`\nselftest time by spec file (test time ${busy.toFixed(0)} s, wall ${total.toFixed(0)} s; project spans: ${projects}):\n${lines.join('\n')}\n`);
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
