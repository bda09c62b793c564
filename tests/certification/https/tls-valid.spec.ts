import { check, test } from '../../../fixtures/index.ts';
import { probeTls } from '../../../src/tls/index.ts';

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
    `${tls.protocol}, chain ${tls.chainValid ? 'valid' : `invalid (${tls.chainError})`}, host name ${tls.hostnameValid ? 'matches' : 'does not match'}, ${tls.daysLeft} days left`,
  );
  evidence.requireAll([
    [tls.chainValid, `the certificate chain does not verify against the ${tls.trustStore}: ${tls.chainError}`],
    [tls.hostnameValid, `the certificate is not for ${tls.host}: ${tls.hostnameError}`],
    [(tls.daysLeft ?? -1) >= 0, `the certificate expired on ${tls.validTo}`],
  ]);
});
