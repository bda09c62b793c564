import { CALL_FAULTS } from './call.ts';
import { CERTIFICATION_FAULTS } from './certification.ts';
import { DATABASE_FAULTS } from './database.ts';
import { HPB_FAULTS } from './hpb.ts';
import { LOAD_FAULTS } from './load.ts';
import { TLS_FAULTS } from './tls.ts';
import { TURN_FAULTS } from './turn.ts';
import type { FaultTable } from './types.ts';

export type { Expectation, FaultRow, FaultTable, Rules, RunShape } from './types.ts';

/**
 * Every fault table, one per area: run by faults.spec.ts and light.spec.ts (the `timing` ones by
 * tests/selftest/load/faults.spec.ts, those with a `spec` by that file: the HPB table by
 * tests/selftest/hpb/faults.spec.ts), checked for coverage (every catalogue check broken by some
 * row) by tests/selftest/unit/fault-coverage.spec.ts.
 */
export const FAULT_TABLES: readonly FaultTable[] = [CERTIFICATION_FAULTS, TLS_FAULTS, TURN_FAULTS, CALL_FAULTS, DATABASE_FAULTS, LOAD_FAULTS, HPB_FAULTS];

/**
 * The tables of faults/faults.spec.ts and faults/light.spec.ts: all but the load table (`timing`)
 * and those with their own `spec`. Planned together in both files, so that rows share runs across
 * tables; each file declares its share of the runs (HEAVY_AREAS).
 */
export const FAULTS_SPEC_TABLES: readonly FaultTable[] = FAULT_TABLES.filter((t) => !t.timing && !t.spec);

/** A planned run with a row of these areas is browser-heavy (both browsers, real calls): faults.spec.ts runs it, light.spec.ts the rest. */
export const HEAVY_AREAS: readonly string[] = ['certification', 'call'];
