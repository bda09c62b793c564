import { expect, test } from '@playwright/test';
import { createStandingNetworks } from '../../../src/reference/instances.ts';
import { NOT_ROOT, NOT_ROOT_REASON } from '../reference/helpers.ts';

/**
 * Before the `faults` project runs fault tables side by side: the reference platforms' instance
 * networks, made now, before any of their browsers starts, and kept by the runner (this worker's
 * parent) until networks.teardown.ts. Each run's platform takes one (TALK_REFERENCE_KEEP_NETWORKS,
 * src/reference/instances.ts) and leaves it standing, so no address appears on the host while
 * another run's Chromium has requests in flight (they would fail with net::ERR_NETWORK_CHANGED).
 * Two runs at a time, each one platform: three networks leave one spare.
 */
const STANDING_NETWORKS = 3;

test('standing networks for the fault tables that run side by side', async () => {
  test.skip(NOT_ROOT, NOT_ROOT_REASON);
  const made = await createStandingNetworks(STANDING_NETWORKS, process.ppid);
  console.log(`[selftest] standing networks for instances ${made.join(', ')}, kept by pid ${process.ppid}`);
  expect(made).toHaveLength(STANDING_NETWORKS);
});
