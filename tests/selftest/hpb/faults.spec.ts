import { describeFaultTables } from '../faults/driver.ts';
import { FAULT_TABLES } from '../faults/index.ts';

/**
 * The fault tables that run from this spec (`spec: 'hpb/faults.spec.ts'`): the High-Performance
 * Backend table, tests/selftest/faults/hpb.ts — about 13 child runs of 15–90 s each, kept apart from
 * faults.spec.ts so they can be run on their own. See tests/selftest/faults/driver.ts.
 */
describeFaultTables(FAULT_TABLES.filter((t) => t.spec === 'hpb/faults.spec.ts'));
