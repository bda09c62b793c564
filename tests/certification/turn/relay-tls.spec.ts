import { check, test } from '../../../fixtures/turn.ts';
import { certifyRelay } from './relay.ts';

const c = check('turn.relay.tls');
// The page receives Talk's TURN credentials; a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ turnSettings, evidence, relayPage, browserName, relayBrowser, target }) => {
  await certifyRelay('tls', { turnSettings, evidence, page: relayPage, browserName, browserTrustNotes: relayBrowser.notes, hosts: target.hosts });
});
