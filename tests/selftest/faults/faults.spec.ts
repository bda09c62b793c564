import { describeFaultTables } from './driver.ts';
import { FAULT_TABLES } from './index.ts';

/**
 * Every fault table but those that measure latency (`timing`: the load table runs in the `load`
 * project, after every browser run, from tests/selftest/load/faults.spec.ts) and those run by their
 * own `spec` (the HPB table: tests/selftest/hpb/faults.spec.ts). See driver.ts.
 */
describeFaultTables(FAULT_TABLES.filter((t) => !t.timing && !t.spec));
