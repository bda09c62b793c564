import { check, test } from '../../../fixtures/call.ts';
import { requireConnectedCall, runCall } from './connect.ts';

const c = check('call.media');
// The call page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ callSession, evidence, browser }) => {
  const run = await runCall(callSession, evidence, { a: browser, b: browser }, { forceRelay: false });
  requireConnectedCall(run, evidence, false);
});
