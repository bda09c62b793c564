import { type Attempt, type CheckRun, type RunContext, didNotRunReason } from '../../../src/verdict/decide.ts';
import type { CheckDefinition, Severity } from '../../../src/verdict/types.ts';

/** Check definitions and runs as the reporter builds them, for the unit tests of src/verdict/decide.ts. */

export const def = (id: string, severity: Severity, runsIn: 'node' | 'browser' = 'node', area = id.split('.')[0]!): CheckDefinition => ({
  id,
  area,
  title: `title of ${id}`,
  requirement: `requirement of ${id}`,
  severity,
  provenance: 'observed',
  runsIn,
  criterion: `criterion of ${id}`,
  remedy: `remedy of ${id}`,
});

export const CLEAN: RunContext = { runError: null, runStatus: 'passed', maxFailuresReached: null };

export const passed = (observed = 'all good'): Attempt => ({ status: 'passed', evidence: { observed, details: { seen: observed } }, error: null, durationMs: 10 });

/** A run of `definition` that passed once in the platform project, with `over` replacing any part. */
export function run(over: Partial<CheckRun> & { definition: CheckDefinition }): CheckRun {
  return {
    project: 'platform',
    browser: null,
    outcome: 'expected',
    attempts: [passed()],
    notApplicableReason: null,
    skipReason: null,
    didNotRunReason: didNotRunReason(CLEAN, false),
    ...over,
  };
}
