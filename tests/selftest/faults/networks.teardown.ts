import { test } from '@playwright/test';
import { removeStandingNetworks } from '../../../src/reference/instances.ts';
import { NOT_ROOT, NOT_ROOT_REASON } from '../reference/helpers.ts';

/** After the `faults` project: the standing networks of networks.setup.ts go (a later sweep would remove them once the runner is gone). */
test('the standing networks are removed', async () => {
  test.skip(NOT_ROOT, NOT_ROOT_REASON);
  const removed = await removeStandingNetworks(process.ppid);
  console.log(`[selftest] removed the standing networks of instances ${removed.join(', ') || '(none)'}`);
});
