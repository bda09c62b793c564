import { check, test } from '../../../fixtures/turn.ts';
import { addTurnEvidence } from './settings.ts';

const c = check('turn.configured');

test(c.title, c.details, async ({ turnSettings, evidence }) => {
  addTurnEvidence(evidence, turnSettings);
  evidence.add('stunservers', turnSettings.stunUrls);
  evidence.observed(
    turnSettings.servers.length > 0
      ? `${turnSettings.servers.length} TURN server(s): ${turnSettings.servers.flatMap((s) => s.urls).join(', ')}`
      : `no usable TURN server${turnSettings.problems.length ? ` (${turnSettings.problems.join('; ')})` : ''}`,
  );
  evidence.require(
    turnSettings.servers.length > 0,
    turnSettings.problems.length > 0
      ? `the TURN servers in Talk's settings are incomplete: ${turnSettings.problems.join('; ')}`
      : "Talk's signaling settings hand out no TURN server",
  );
});
