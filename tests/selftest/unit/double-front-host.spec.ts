import http from 'node:http';
import { expect, test } from '@playwright/test';
import type { DoubleConfig } from '../../../src/reference/double/context.ts';
import { type DoubleServer, startDouble } from '../../../src/reference/double/server.ts';
import { Store } from '../../../src/reference/double/store.ts';
import { PROFILES } from '../../../src/reference/profiles.ts';

/**
 * Issue 12 point 10: a front on another host name (a proxy that answers as talk.example.org in
 * front of a Nextcloud configured as https://10.0.0.5/) must be able to log in. Nextcloud refuses a
 * login POST from another site's Origin, not from any origin but one fixed address: the Origin is
 * judged against the host the request was sent to (and trusted_domains). The double is asked
 * directly, with the Host header the front passes on (nginx `proxy_set_header Host $host`).
 */

let double: DoubleServer;
const alice = { user: 'alice', password: 'alice-secret-1' };

test.beforeAll(async () => {
  const store = new Store();
  store.addUser({ id: alice.user, password: alice.password, displayName: 'Alice', isAdmin: false });
  const config: DoubleConfig = {
    profile: PROFILES.good,
    baseUrl: 'https://10.0.0.5/',
    origin: 'https://10.0.0.5',
    secure: true,
    instanceId: 'ocselftest02',
    turnHost: '10.0.0.6',
    talkTurnSecret: 'x'.repeat(64),
    controlToken: 'selftest-control-token',
    proxyAddresses: [],
  };
  double = await startDouble({ host: '127.0.0.1', config, store });
});
test.afterAll(async () => double?.close());

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const u = new URL(double.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET /login then POST it as a browser on `host` would, with `origin`. Returns where the POST redirects. */
async function login(host: string, origin: string): Promise<string> {
  const page = await send('GET', '/index.php/login', { host, accept: 'text/html' });
  expect(page.status).toBe(200);
  const cookie = (page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const token = /data-requesttoken="([^"]+)"/.exec(page.text)?.[1];
  expect(token, 'the login page carries a requesttoken').toBeTruthy();
  const form = new URLSearchParams({
    user: alice.user,
    password: alice.password,
    requesttoken: token!
      .replace(/&#x2B;|&#43;/g, '+')
      .replace(/&#x2F;|&#47;/g, '/')
      .replace(/&#x3D;|&#61;/g, '='),
  });
  const res = await send('POST', '/index.php/login', { host, origin, cookie, 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
  expect(res.status).toBe(303);
  return String(res.headers.location);
}

test('a login through a front with another host name succeeds (Origin is that host, not the platform address)', async () => {
  const to = await login('talk.example.org', 'https://talk.example.org');
  expect(to).toMatch(/apps\/dashboard\/$/);
});

test('a login POST from another site\'s Origin is still refused with "Please try again"', async () => {
  const to = await login('talk.example.org', 'https://evil.example.net');
  expect(to).toMatch(/^\/login\?direct=1/);
});
