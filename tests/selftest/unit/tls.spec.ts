import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { WRONG_HOST_DNS_NAME, makeCertificates } from '../../../src/reference/tls.ts';
import { probeTargetOrTls, tlsNotRunReason } from '../../../src/targets/index.ts';
import { plainHttpProblems, plainHttpUrls, probePlainHttp, probePlainHttpAll } from '../../../src/talk/http-probe.ts';
import { probeTls, tlsProblems } from '../../../src/tls/index.ts';
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

test.describe('a TLS problem is a verdict with names and dates (issue 12 point 6)', () => {
  test('tlsProblems names the SANs against the host, the validity dates and the issuer, each once', async () => {
    const other = await serve('otherhost');
    const expired = await serve('expired');
    const good = await serve('good');
    try {
      const wrongHost = tlsProblems(await probeTls(other.url, pki.caFile));
      expect(wrongHost).toEqual([expect.stringMatching(/^the certificate is not for 127\.0\.0\.1: it names only DNS:other\.example/)]);
      const old = tlsProblems(await probeTls(expired.url, pki.caFile));
      // Expired: said once with both dates, not a second time as the chain error CERT_HAS_EXPIRED.
      expect(old).toEqual([
        expect.stringMatching(/^the certificate expired on 2020-01-02T00:00:00\.000Z \(valid from 2020-01-01T00:00:00\.000Z to 2020-01-02T00:00:00\.000Z; \d+ day\(s\) ago\)$/),
      ]);
      const untrusted = tlsProblems(await probeTls(good.url));
      expect(untrusted).toEqual([expect.stringMatching(/chain does not verify against the system trust store \(.*\): issued by CN=talk-certify test CA; .*TALK_CA_FILE/)]);
      expect(tlsProblems(await probeTls(good.url, pki.caFile))).toEqual([]);
    } finally {
      other.close();
      expired.close();
      good.close();
    }
  });

  test('probeTargetOrTls: a rejected certificate ends in tlsInvalid, and no request is sent over that connection', async () => {
    const requests: string[] = [];
    const { key, cert } = certs.otherhost!;
    const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (q, r) => {
      requests.push(q.url ?? '');
      r.writeHead(200, { 'content-type': 'application/json' }).end('{"installed":true,"maintenance":false,"version":"32.0.1.2"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const { probe, tlsInvalid } = await probeTargetOrTls(url, { user: 'alice', password: 'never-sent' }, pki.caFile);
      expect(tlsInvalid?.problems[0]).toMatch(/not for 127\.0\.0\.1: it names only DNS:other\.example/);
      expect(probe.user).toBeNull();
      expect(probe.talk.installed).toBe(false);
      expect(requests, 'nothing was sent: status.php and the credentials stay unsent').toEqual([]);
      expect(tlsNotRunReason({ url, tlsInvalid: tlsInvalid! })).toMatch(
        /^not run: the TLS certificate of 127\.0\.0\.1:\d+ is not valid \(the certificate is not for 127\.0\.0\.1.*\); see https\.tls\.valid/,
      );
      // Unusable input stays an error: nothing listening is not a certificate verdict.
      await expect(probeTargetOrTls('https://127.0.0.1:9/', undefined)).rejects.toThrow(/connection refused/);
    } finally {
      server.close();
    }
  });

  test("the reference platform's TLS fault certificates: wrong-host names another host only, expired ended yesterday; both signed by the run's CA", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-refcerts-'));
    try {
      for (const kind of ['wrong-host', 'expired'] as const) {
        const sub = path.join(dir, kind);
        mkdirSync(sub);
        const c = await makeCertificates(sub, { runId: 'tc-unit', ips: ['10.213.9.2'], web: kind });
        const web = new X509Certificate(readFileSync(c.web.certFile));
        const ca = new X509Certificate(readFileSync(c.caFile));
        expect(web.verify(ca.publicKey), `${kind} signed by the run's CA`).toBe(true);
        // coturn keeps the good certificate.
        expect(c.certFile).not.toBe(c.web.certFile);
        expect(new X509Certificate(readFileSync(c.certFile)).subjectAltName).toContain('IP Address:10.213.9.2');
        if (kind === 'wrong-host') {
          expect(web.subjectAltName).toBe(`DNS:${WRONG_HOST_DNS_NAME}`);
          expect(new Date(web.validTo).getTime()).toBeGreaterThan(Date.now());
        } else {
          expect(web.subjectAltName).toContain('IP Address:10.213.9.2');
          expect(new Date(web.validTo).getTime()).toBeLessThan(Date.now());
        }
      }
      // The default: nginx serves the server certificate itself.
      mkdirSync(path.join(dir, 'valid'));
      const v = await makeCertificates(path.join(dir, 'valid'), { runId: 'tc-unit', ips: ['10.213.9.2'] });
      expect(v.web).toEqual({ certFile: v.certFile, keyFile: v.keyFile });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.describe('https.http.redirect probes the http:// URLs a user can reach (issue 12 point 10)', () => {
  test("port 80 always; TALK_URL's own port over http:// too when its https port is not 443", () => {
    expect(plainHttpUrls('https://cloud.example.com/nextcloud/').map((u) => u.url)).toEqual(['http://cloud.example.com/nextcloud/']);
    expect(plainHttpUrls('https://cloud.example.com:443/').map((u) => u.url)).toEqual(['http://cloud.example.com/']);
    const odd = plainHttpUrls('https://cloud.example.com:8443/nextcloud/');
    expect(odd.map((u) => u.url)).toEqual(['http://cloud.example.com/nextcloud/', 'http://cloud.example.com:8443/nextcloud/']);
    expect(odd[1]!.why).toContain('port 8443');
    expect(plainHttpUrls('http://cloud.example.com:8080/').map((u) => u.url)).toEqual(['http://cloud.example.com:8080/']);
  });

  test('on a non-standard https port: a TLS-only port is acceptable, the same port serving plain HTTP fails', async () => {
    const tlsOnly = await serve('good');
    const plainOnTlsPort = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"installed":true}'));
    // nginx's answer to plain HTTP on an `ssl` listener.
    const nginxLike = http.createServer((_req, res) =>
      res
        .writeHead(400, { 'content-type': 'text/html' })
        .end(
          '<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head><body><center><h1>400 Bad Request</h1></center><center>The plain HTTP request was sent to HTTPS port</center><hr><center>nginx</center></body></html>',
        ),
    );
    const listen = async (s: http.Server) => {
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return (s.address() as AddressInfo).port;
    };
    try {
      const port = new URL(tlsOnly.url).port;
      const ok = await probePlainHttpAll(`https://127.0.0.1:${port}/`);
      expect(ok.map((o) => new URL(o.url).port)).toEqual(['', port]);
      expect(ok[1]).toMatchObject({ outcome: 'tls-only' });
      expect(plainHttpProblems([ok[1]!])).toEqual([]);

      const plainPort = await listen(plainOnTlsPort);
      const bad = await probePlainHttpAll(`https://127.0.0.1:${plainPort}/`);
      expect(bad).toHaveLength(2);
      expect(bad[1]).toMatchObject({ outcome: 'served-plain', status: 200 });
      expect(plainHttpProblems([bad[1]!])).toEqual([
        expect.stringMatching(new RegExp(`served over plain HTTP at http://127\\.0\\.0\\.1:${plainPort}/status\\.php \\(HTTP 200\\).*port ${plainPort}, TALK_URL's https port`)),
      ]);

      const nginxPort = await listen(nginxLike);
      const refusedByNginx = await probePlainHttpAll(`https://127.0.0.1:${nginxPort}/`);
      expect(refusedByNginx[1]).toMatchObject({ outcome: 'tls-only', status: 400 });
    } finally {
      tlsOnly.close();
      plainOnTlsPort.close();
      nginxLike.close();
    }
  });
});
