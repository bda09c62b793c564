import { describeFaultTables } from '../faults/driver.ts';
import { FAULT_TABLES } from '../faults/index.ts';

/**
 * The fault tables that measure latency (the load table, tests/selftest/faults/load.ts): in the
 * `load` project, which runs after every browser self-test, so no browser competes for the CPU
 * (playwright.selftest.config.ts). Its runs start no browser (projects platform), so four run side
 * by side, each against its own platform. See tests/selftest/faults/driver.ts.
 */
describeFaultTables(
  FAULT_TABLES.filter((t) => t.timing),
  { parallel: true },
);
