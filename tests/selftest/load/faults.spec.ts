import { describeFaultTables } from '../faults/driver.ts';
import { FAULT_TABLES } from '../faults/index.ts';

/**
 * The fault tables that measure latency (the load table, tests/selftest/faults/load.ts): in the
 * `timing` project, which runs after every other self-test, one file at a time, so no browser
 * competes for the CPU (playwright.selftest.config.ts). See tests/selftest/faults/driver.ts.
 */
describeFaultTables(FAULT_TABLES.filter((t) => t.timing));
