import { check, test } from '../../../fixtures/turn.ts';
import { addTurnEvidence } from './settings.ts';

const c = check('turn.port.443');

test(c.title, c.details, async ({ turnSettings, evidence }) => {
  addTurnEvidence(evidence, turnSettings);
  const ports = [...new Set(turnSettings.urls.map((u) => u.port))];
  evidence.add('ports', ports).observed(ports.length ? `TURN ports: ${ports.join(', ')}` : 'no TURN URL');
  if (turnSettings.urls.length === 0) evidence.require(false, "Talk's signaling settings hand out no TURN URL (see turn.configured)");
  evidence.require(
    ports.includes(443),
    ports.includes(80) ? 'TURN is on port 80, which Talk allows, but 443 passes more firewalls and proxies' : `no TURN URL on port 443 (only ${ports.join(', ')})`,
  );
});
