import { describeFaultTables } from './driver.ts';
import { FAULTS_SPEC_TABLES, HEAVY_AREAS } from './index.ts';

/**
 * The fault tables with browser-heavy runs — the certification and call tables (both browsers,
 * real calls) — one run at a time. The `faults` project runs this file beside faults/light.spec.ts
 * and hpb/faults.spec.ts (turn, database, TLS and HPB rows: mostly waiting for timeouts), on the
 * standing networks of faults/networks.setup.ts (playwright.selftest.config.ts). The tables are
 * planned together with light.spec.ts's, so a light table's good row still reads the certification
 * table's good run. Not here: the load table (tests/selftest/load/faults.spec.ts) and the tables
 * with their own `spec`. See driver.ts.
 */
describeFaultTables(FAULTS_SPEC_TABLES, { keepNetworks: true, only: (areas) => areas.some((a) => HEAVY_AREAS.includes(a)) });
