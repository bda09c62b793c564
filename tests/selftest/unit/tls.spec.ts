import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { probePlainHttp } from '../../../src/talk/http-probe.ts';
import { probeTls } from '../../../src/tls/index.ts';

/** A throwaway CA and leaf certificates made with the openssl CLI, to see the TLS probe judge real handshakes. */
let dir: string;
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** `openssl ca` rather than `x509 -req`: OpenSSL 3.0 (Debian 12) can set an explicit validity window only there. */
function leaf(name: string, san: string, validity: [start: string, end: string]) {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
  writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`,
    '-startdate', validity[0], '-enddate', validity[1], '-extfile', `${name}.ext`, '-notext');
}

const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

async function serve(name: string): Promise<{ url: string; close: () => void }> {
  const server = https.createServer({ key: readFileSync(path.join(dir, `${name}.key`)), cert: readFileSync(path.join(dir, `${name}.pem`)) }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

test.beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tc-tls-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=talk-certify test CA');
  writeFileSync(path.join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = tc', '[tc]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'default_md = sha256',
    'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  const now = Date.now();
  const window: [string, string] = [stamp(new Date(now - 3_600_000)), stamp(new Date(now + 2 * 86_400_000))];
  leaf('good', 'IP:127.0.0.1', window);
  leaf('otherhost', 'DNS:other.example', window);
  leaf('expired', 'IP:127.0.0.1', ['20200101000000Z', '20200102000000Z']);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a certificate from a private CA is valid only when that CA is given (TALK_CA_FILE)', async () => {
  const s = await serve('good');
  try {
    const without = await probeTls(s.url);
    expect(without.chainValid).toBe(false);
    expect(without.chainError).toMatch(/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    const withCa = await probeTls(s.url, path.join(dir, 'ca.pem'));
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
    const obs = await probeTls(s.url, path.join(dir, 'ca.pem'));
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
    const obs = await probeTls(s.url, path.join(dir, 'ca.pem'));
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
