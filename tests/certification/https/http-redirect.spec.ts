import { check, test } from '../../../fixtures/index.ts';
import { probePlainHttp } from '../../../src/talk/http-probe.ts';

const c = check('https.http.redirect');

test(c.title, c.details, async ({ target, evidence }) => {
  const plain = await test.step('request the Nextcloud URL over plain http://', () => probePlainHttp(target.url));
  evidence.add('plainHttp', plain).observed(`${plain.url}: ${plain.detail}`);
  evidence.require(
    plain.outcome === 'redirect-https' || plain.outcome === 'refused' || plain.outcome === 'no-answer',
    plain.outcome === 'served-plain'
      ? `Nextcloud is served over plain HTTP at ${plain.url} (HTTP ${plain.status}) instead of redirecting to https://`
      : plain.outcome === 'redirect-plain'
        ? `plain HTTP redirects, but not to https:// on the same host (${plain.location})`
        : `plain HTTP could not be checked: ${plain.detail}`,
  );
});
