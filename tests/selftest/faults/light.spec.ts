import { describeFaultTables } from './driver.ts';
import { FAULTS_SPEC_TABLES, HEAVY_AREAS } from './index.ts';

/**
 * The runs of faults.spec.ts's tables with no certification or call row: the turn, database and
 * TLS fault profiles (Chromium, mostly waiting for ICE and TURN timeouts). In the `faults` project
 * they run beside faults.spec.ts's browser-heavy runs, on the standing networks of
 * networks.setup.ts. See driver.ts.
 */
describeFaultTables(FAULTS_SPEC_TABLES, { keepNetworks: true, only: (areas) => !areas.some((a) => HEAVY_AREAS.includes(a)) });
