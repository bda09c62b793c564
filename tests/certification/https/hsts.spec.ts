import { check, test } from '../../../fixtures/index.ts';

const c = check('https.hsts');
/** Nextcloud's security setup check asks for at least 180 days (15552000 s). */
const MIN_MAX_AGE_S = 15_552_000;

test(c.title, c.details, async ({ target, http, evidence }) => {
  if (new URL(target.url).protocol !== 'https:') {
    evidence.observed('no HTTPS, so no HSTS');
    evidence.require(false, 'the Nextcloud URL is plain HTTP; HSTS only exists on HTTPS responses');
  }
  const res = await test.step('GET status.php over HTTPS', () => http.request('status.php'));
  const header = res.headers['strict-transport-security'] ?? null;
  const maxAge = header ? Number(/max-age\s*=\s*"?(\d+)/i.exec(header)?.[1] ?? NaN) : NaN;
  evidence.add('url', res.url).add('status', res.status).add('strictTransportSecurity', header);
  evidence.observed(header ? `Strict-Transport-Security: ${header}` : 'no Strict-Transport-Security header');
  evidence.requireAll([
    [header !== null, 'the HTTPS responses carry no Strict-Transport-Security header'],
    [header === null || maxAge >= MIN_MAX_AGE_S, `max-age is ${Number.isNaN(maxAge) ? 'missing' : maxAge} s, below ${MIN_MAX_AGE_S} s`],
  ]);
});
