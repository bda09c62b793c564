import { certifyRestrictedRelay, check, test } from '../../../fixtures/turn.ts';

const c = check('turn.relay.restricted');
// The page receives Talk's TURN credentials; a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ turnSettings, evidence, page, browserName, target, browserTrustNotes }) => {
  await certifyRestrictedRelay({ turnSettings, evidence, page, browserName, target, browserTrustNotes });
});
