import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { certificateNames } from '../../../src/targets/testcontainers/spec.ts';
import { CERT_VALIDITY_DAYS, generateTls, planTls, subjectAltNames } from '../../../src/targets/testcontainers/tls.ts';

test('subjectAltName entries distinguish names from addresses', () => {
  expect(subjectAltNames(['localhost', '127.0.0.1', '::1', 'localhost', ''])).toEqual(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
});

test('the plan makes a CA, a key and a CA-signed server certificate for serverAuth', () => {
  const plan = planTls('/x', { commonName: 'localhost', altNames: ['localhost'], caName: 'CA', serialHex: '01' });
  expect(plan.steps.map((s) => s[0])).toEqual(['req', 'req', 'x509']);
  expect(plan.steps[0]).toEqual(expect.arrayContaining(['-x509', 'basicConstraints=critical,CA:TRUE,pathlen:0']));
  expect(plan.steps[2]).toEqual(expect.arrayContaining(['-CA', '/x/ca.pem', '-CAkey', '/x/ca.key', '-extfile', '/x/server.ext']));
  expect(plan.extensions).toContain('extendedKeyUsage=serverAuth');
  expect(plan.extensions).toContain('subjectAltName=DNS:localhost');
});

test('openssl makes a chain that verifies, for every name the platform is reached by', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-tls-'));
  try {
    const names = certificateNames('localhost');
    const tls = await generateTls(planTls(dir, { commonName: 'localhost', altNames: names, caName: 'talk-certify test CA' }));
    expect(execFileSync('openssl', ['verify', '-CAfile', tls.caFile, tls.certFile]).toString()).toContain(': OK');
    const cert = new X509Certificate(readFileSync(tls.certFile));
    const ca = new X509Certificate(readFileSync(tls.caFile));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    for (const n of ['localhost', 'proxy', 'turn']) expect(cert.checkHost(n), n).toBe(n);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(CERT_VALIDITY_DAYS - 2);
    expect(days).toBeLessThan(398);
    // Private keys are for this user only.
    expect(statSync(path.join(dir, 'ca.key')).mode & 0o077).toBe(0);
    expect(statSync(tls.keyFile).mode & 0o077).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
