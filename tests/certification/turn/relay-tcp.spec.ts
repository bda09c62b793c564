import { certifyRelay, check, test } from '../../../fixtures/turn.ts';

const c = check('turn.relay.tcp');
// The page receives Talk's TURN credentials; a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ turnSettings, evidence, page, browserName, browserTrustNotes }) => {
  await certifyRelay('tcp', { turnSettings, evidence, page, browserName, browserTrustNotes });
});
