import { expect, test } from '@playwright/test';
import { REDACTED, redact, redactText, registerCookieSecrets, registerSecret } from '../../../src/redact/index.ts';

test('registered secrets disappear from text, also URL-encoded and JSON-escaped', () => {
  registerSecret('p@ss "word"/1');
  const text = `login p@ss "word"/1 url ${encodeURIComponent('p@ss "word"/1')} json ${JSON.stringify('p@ss "word"/1')}`;
  const out = redactText(text);
  expect(out).not.toContain('p@ss');
  expect(out.match(new RegExp(REDACTED, 'g'))?.length).toBe(3);
});

test('cookie values become secrets, but not Nextcloud\'s constant SameSite markers (whose value is "true")', () => {
  registerCookieSecrets([
    { name: 'oc1abc2def', value: 'a1b2c3d4e5f6session' },
    { name: '__Host-nc_sameSiteCookielax', value: 'true' },
    { name: '__Host-nc_sameSiteCookiestrict', value: 'true' },
    { name: 'nc_sameSiteCookielax', value: 'true' },
  ]);
  expect(redactText('session a1b2c3d4e5f6session, isSecureContext=true')).toBe(`session ${REDACTED}, isSecureContext=true`);
});

test('secret keys and headers are redacted whatever their value; other fields stay', () => {
  const out = redact({
    headers: { Authorization: 'Basic YWxpY2U6eHl6', 'content-type': 'text/html' },
    turn: [{ urls: ['turn:h:443'], username: '123:abc', credential: 'c2VjcmV0' }],
  });
  expect(out.headers.Authorization).toBe(REDACTED);
  expect(out.headers['content-type']).toBe('text/html');
  expect(out.turn[0]!.credential).toBe(REDACTED);
  expect(out.turn[0]!.urls).toEqual(['turn:h:443']);
});

test('Basic and Bearer credentials are redacted in free text', () => {
  expect(redactText('Authorization: Basic YWxpY2U6c2VjcmV0 and Bearer abcdef123456')).toBe(`Authorization: Basic ${REDACTED} and Bearer ${REDACTED}`);
});

test('traces are scrubbed by structure: cookies, CSRF tokens and session ids go, the rest stays', async () => {
  const { scrubText, REDACTED } = await import('../../../src/reporter/scrub-traces.ts');
  const har = JSON.stringify({
    request: {
      url: 'https://cloud.example.com/apps/spreed/',
      headers: [
        { name: 'Cookie', value: 'oc123=s3ss10n; nc_token=abc' },
        { name: 'Accept', value: 'text/html' },
      ],
      cookies: [{ name: 'oc123', value: 's3ss10n' }],
    },
    response: { headers: [{ name: 'Set-Cookie', value: 'oc123=s3ss10n; path=/' }], body: { sessionId: 'talk-session-id', token: 'abcdefgh' } },
  });
  const out = scrubText(har);
  expect(out).not.toContain('s3ss10n');
  expect(out).not.toContain('talk-session-id');
  expect(out).toContain(REDACTED);
  expect(out).toContain('"Accept","value":"text/html"');
  expect(out).toContain('"token":"abcdefgh"');
  const html = scrubText('<head data-requesttoken="csrf+secret/="><title>Login</title>');
  expect(html).toBe(`<head data-requesttoken="${REDACTED}"><title>Login</title>`);
});
