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
 * Every fault table, one per area: run by faults.spec.ts (the `timing` ones by
 * tests/selftest/load/faults.spec.ts, those with a `spec` by that file: the HPB table by
 * tests/selftest/hpb/faults.spec.ts), checked for coverage (every catalogue check broken by some
 * row) by tests/selftest/unit/fault-coverage.spec.ts.
 */
export const FAULT_TABLES: readonly FaultTable[] = [CERTIFICATION_FAULTS, TLS_FAULTS, TURN_FAULTS, CALL_FAULTS, DATABASE_FAULTS, LOAD_FAULTS, HPB_FAULTS];
