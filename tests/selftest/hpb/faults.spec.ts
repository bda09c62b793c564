import { describeFaultTables } from '../faults/driver.ts';
import { FAULT_TABLES } from '../faults/index.ts';

/**
 * The fault tables that run from this spec (`spec: 'hpb/faults.spec.ts'`): the High-Performance
 * Backend table, tests/selftest/faults/hpb.ts — about 13 child runs of 10–80 s each, kept apart from
 * faults.spec.ts so they can be run on their own. In the `faults` project, beside the browser-heavy
 * runs of faults.spec.ts, on the standing networks of faults/networks.setup.ts. See
 * tests/selftest/faults/driver.ts.
 */
describeFaultTables(
  FAULT_TABLES.filter((t) => t.spec === 'hpb/faults.spec.ts'),
  { keepNetworks: true },
);
