import { check, test } from '../../../fixtures/turn.ts';
import { addTurnEvidence } from './settings.ts';

const c = check('turn.port.standard');

test(c.title, c.details, async ({ turnSettings, evidence }) => {
  addTurnEvidence(evidence, turnSettings);
  const ports = [...new Set(turnSettings.urls.map((u) => u.port))];
  evidence.add('ports', ports).observed(ports.length ? `TURN ports: ${ports.join(', ')}` : 'no TURN URL');
  if (turnSettings.urls.length === 0) evidence.require(false, "Talk's signaling settings hand out no TURN URL (see turn.configured)");
  evidence.require(
    ports.includes(443) || ports.includes(80),
    `no TURN URL on port 443 or 80 (only ${ports.join(', ')}): clients behind firewalls that allow only web ports cannot reach TURN`,
  );
});
