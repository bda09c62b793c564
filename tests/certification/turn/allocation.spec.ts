import { check, test } from '../../../fixtures/turn.ts';
import { addTurnEvidence } from './settings.ts';
import { probeAllocation } from '../../../src/turn/probe.ts';

const c = check('turn.allocation');

test(c.title, c.details, async ({ turnSettings, evidence }) => {
  addTurnEvidence(evidence, turnSettings);
  const udp = turnSettings.urls.filter((u) => u.scheme === 'turn' && u.protocol === 'udp');
  if (turnSettings.servers.length === 0) {
    evidence.observed('no TURN server in the signaling settings');
    evidence.require(false, "Talk's signaling settings hand out no TURN server (see turn.configured)");
  }
  if (udp.length === 0) {
    evidence.observed('no turn:…?transport=udp URL');
    evidence.require(false, `Talk offers no plain UDP TURN URL to probe (offered: ${turnSettings.urls.map((u) => u.url).join(', ')}); browsers prefer UDP`);
  }
  // Prefer 443, the port the requirement names.
  const url = udp.find((u) => u.port === 443) ?? udp[0]!;
  const server = turnSettings.servers[url.server]!;
  const result = await test.step(`Allocate, CreatePermission and relay through ${url.url}`, () =>
    probeAllocation({ host: url.host, port: url.port }, { username: server.username, credential: server.credential }));
  evidence.add('url', url.url).add('probe', result);
  evidence.observed(
    result.ok
      ? `allocated ${result.relayedA?.address}:${result.relayedA?.port} and ${result.relayedB?.address}:${result.relayedB?.port} (realm ${result.challenge?.realm}, lifetime ${result.lifetimeS} s); relayed round trip ${result.roundTripMs} ms`
      : `${result.failedStep} failed: ${result.steps.at(-1)?.detail}`,
  );
  const last = result.steps.at(-1)?.detail ?? '';
  evidence.require(
    result.ok,
    result.stunCode === 401
      ? `${url.url} rejected Talk's credentials (${last}): Talk's TURN secret is not the TURN server's static-auth-secret`
      : result.errorCode === 'TIMEOUT' && result.failedStep === 'Allocate A'
        ? `nothing answers on ${url.url} (${last})`
        : `${result.failedStep} failed on ${url.url}: ${last}`,
  );
});
