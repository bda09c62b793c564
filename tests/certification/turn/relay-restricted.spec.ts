import { check, test } from '../../../fixtures/turn.ts';
import { certifyRestrictedRelay } from './relay.ts';

const c = check('turn.relay.restricted');
// The page receives Talk's TURN credentials; a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ turnSettings, evidence, relayPage, browserName, target, relayBrowser }) => {
  await certifyRestrictedRelay({ turnSettings, evidence, page: relayPage, browserName, target, browserTrustNotes: relayBrowser.notes });
});
