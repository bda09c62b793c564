import { check, test } from '../../../fixtures/index.ts';
import { probeTls, tlsProblems } from '../../../src/tls/index.ts';

const c = check('https.tls.valid');

test(c.title, c.details, async ({ target, evidence }) => {
  const tls = await test.step('TLS handshake, verified against the trust store', () => probeTls(target.url, target.caFile));
  evidence.add('tls', tls).add('url', target.url);
  if (new URL(target.url).protocol !== 'https:') {
    evidence.observed(`Nextcloud URL is ${new URL(target.url).protocol}// ; TLS on ${tls.host}:${tls.port}: ${tls.connectError ?? 'answers'}`);
    evidence.require(false, `the Nextcloud URL is plain HTTP (${target.url}); browsers will refuse camera, microphone and WebRTC`);
  }
  if (tls.connectError) {
    evidence.observed(`no TLS: ${tls.connectError}`);
    evidence.require(false, `no TLS handshake with ${tls.host}:${tls.port} (${tls.connectError})`);
  }
  evidence.observed(
    `${tls.protocol}, chain ${tls.chainValid ? 'valid' : `invalid (${tls.chainError})`}, host name ${tls.hostnameValid ? 'matches' : `does not match (certificate names ${tls.subjectAltNames ?? 'no SAN'})`}, ` +
      `${(tls.daysLeft ?? -1) >= 0 ? `${tls.daysLeft} days left` : `expired ${tls.validTo}`}`,
  );
  // Names (SANs vs the host), dates (notBefore/notAfter) and issuer, each problem once (src/tls).
  const problems = tlsProblems(tls);
  evidence.requireAll(problems.map((p) => [false, p]));
});
