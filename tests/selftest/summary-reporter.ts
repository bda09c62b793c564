import type { FullResult, Reporter, TestCase } from '@playwright/test/reporter';

/** Ends the self-test output with one plain line CI tooling can read: `selftest: N passed, N failed, N skipped`. */
export default class SummaryReporter implements Reporter {
  private readonly outcomes = new Map<string, ReturnType<TestCase['outcome']>>();

  onTestEnd(test: TestCase): void {
    this.outcomes.set(test.id, test.outcome());
  }

  onEnd(_result: FullResult): void {
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
