import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { probePlainHttp } from '../../../src/talk/http-probe.ts';
import { probeTls } from '../../../src/tls/index.ts';
import { TestPki } from '../support/certs.ts';

let pki: TestPki;
const certs: Record<string, { key: string; cert: string }> = {};

async function serve(name: string): Promise<{ url: string; close: () => void }> {
  const { key, cert } = certs[name]!;
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

test.beforeAll(() => {
  pki = new TestPki();
  certs.good = pki.leaf('good', 'IP:127.0.0.1');
  certs.otherhost = pki.leaf('otherhost', 'DNS:other.example');
  certs.expired = pki.leaf('expired', 'IP:127.0.0.1', [new Date('2020-01-01T00:00:00Z'), new Date('2020-01-02T00:00:00Z')]);
});
test.afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

test('a certificate from a private CA is valid only when that CA is given (TALK_CA_FILE)', async () => {
  const s = await serve('good');
  try {
    const without = await probeTls(s.url);
    expect(without.chainValid).toBe(false);
    expect(without.chainError).toMatch(/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    const withCa = await probeTls(s.url, pki.caFile);
    expect(withCa).toMatchObject({ chainValid: true, hostnameValid: true, connectError: null });
    expect(withCa.daysLeft).toBeGreaterThanOrEqual(0);
    expect(withCa.chain[0]).toContain('CN=good');
  } finally {
    s.close();
  }
});

test('a certificate for another host name is reported as a host-name mismatch', async () => {
  const s = await serve('otherhost');
  try {
    const obs = await probeTls(s.url, pki.caFile);
    expect(obs.chainValid).toBe(true);
    expect(obs.hostnameValid).toBe(false);
    expect(obs.hostnameError).toContain('127.0.0.1');
  } finally {
    s.close();
  }
});

test('an expired certificate is reported as expired', async () => {
  const s = await serve('expired');
  try {
    const obs = await probeTls(s.url, pki.caFile);
    expect(obs.chainValid).toBe(false);
    expect(obs.chainError).toBe('CERT_HAS_EXPIRED');
    expect(obs.daysLeft).toBeLessThan(0);
  } finally {
    s.close();
  }
});

test('a port where nothing listens is a connect error, not a certificate verdict', async () => {
  const obs = await probeTls('https://127.0.0.1:9/');
  expect(obs.connectError).toMatch(/ECONNREFUSED/);
  expect(obs.chainValid).toBe(false);
});

test('plain HTTP: a redirect to https is accepted, serving content is not, a closed port is refused', async () => {
  const redirecting = http.createServer((_req, res) => res.writeHead(301, { location: 'https://127.0.0.1/status.php' }).end());
  const serving = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  const listen = async (s: http.Server) => {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  };
  try {
    const redirect = await probePlainHttp(`http://127.0.0.1:${await listen(redirecting)}/`);
    expect(redirect).toMatchObject({ outcome: 'redirect-https', status: 301, location: 'https://127.0.0.1/status.php' });
    const served = await probePlainHttp(`http://127.0.0.1:${await listen(serving)}/`);
    expect(served.outcome).toBe('served-plain');
    expect(served.detail).toContain('200');
    const refused = await probePlainHttp('http://127.0.0.1:9/');
    expect(refused.outcome).toBe('refused');
  } finally {
    redirecting.close();
    serving.close();
  }
});
