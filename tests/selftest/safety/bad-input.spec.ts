import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { type ReferencePlatform, startReferencePlatform } from '../../../src/reference/index.ts';
import { runCli } from '../certification/run-certify.ts';
import { TestPki } from '../support/certs.ts';

/**
 * Every mistake a hoster can make in the input ends the run with exit code 2 and one message that
 * names the cause — quickly (no long timeouts), without a stack trace, without echoing a secret.
 * Targets are local fake servers on 127.0.0.1 and a real reference platform.
 */

/** Bad input must not hang on network timeouts: the CLI answers well within this (5 s connect timeout + start-up). */
const FAST_MS = 30_000;
const SECRET = 'Wr0ng-Secret-7f3a9c';

function expectCleanError(run: { exitCode: number; output: string; ms: number }, cause: RegExp): void {
  expect(run.exitCode, run.output).toBe(2);
  expect(run.output).toMatch(cause);
  expect(run.output, 'no stack trace').not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(run.output, 'the password is never echoed').not.toContain(SECRET);
  expect(run.ms).toBeLessThan(FAST_MS);
}

/** A local HTTP(S) server answering every request with the given handler. */
async function serve(handler: http.RequestListener, tls?: { key: string; cert: string }): Promise<{ url: string; close: () => void }> {
  const server = tls ? https.createServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`, close: () => server.close() };
}

const statusJson = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ installed: true, maintenance: false, needsDbUpgrade: false, version: '32.0.1.2', versionstring: '32.0.1', edition: '', productname: 'Nextcloud', extendedSupport: false, ...over });

const url = (u: string) => ({ TALK_URL: u, TALK_USER: 'alice', TALK_PASSWORD: SECRET, TALK_BROWSERS: 'chromium' });

test.describe('configuration mistakes', () => {
  test('a malformed TALK_URL is refused before anything starts', async () => {
    expectCleanError(await runCli(url('cloud.example.com')), /TALK_URL is not a URL: "cloud\.example\.com"/);
  });

  test('an unknown browser in TALK_BROWSERS is refused with the known names', async () => {
    expectCleanError(await runCli({ TALK_BROWSERS: 'chromium,netscape' }), /TALK_BROWSERS unknown browser "netscape"; known: chromium, firefox/);
  });

  test('a URL target without credentials names both variables', async () => {
    expectCleanError(await runCli({ TALK_URL: 'https://cloud.example.com/' }), /TALK_USER is required[\s\S]*TALK_PASSWORD is required/);
  });

  test('an unknown command-line option is refused', async () => {
    expectCleanError(await runCli({}, ['--colour', 'blue']), /unknown option "--colour"/);
  });
});

test.describe('targets that are not usable', () => {
  test('a host name that does not resolve', async () => {
    expectCleanError(await runCli(url('https://talk-certify-no-such-host.invalid/')), /does not resolve/);
  });

  test('a port where nothing listens', async () => {
    expectCleanError(await runCli(url('https://127.0.0.1:9/')), /connection refused on port 9/);
  });

  test('a web server that is not Nextcloud', async () => {
    const s = await serve((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>'));
    try {
      expectCleanError(await runCli(url(s.url)), /does not point at a Nextcloud/);
    } finally {
      s.close();
    }
  });

  test('a Nextcloud in maintenance mode, and one answering 503', async () => {
    const maintenance = await serve((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(statusJson({ maintenance: true })));
    const unavailable = await serve((_q, r) => r.writeHead(503, { 'content-type': 'text/html' }).end('Service Unavailable'));
    try {
      expectCleanError(await runCli(url(maintenance.url)), /maintenance mode.*occ maintenance:mode --off/);
      expectCleanError(await runCli(url(unavailable.url)), /answered 503: the server is in maintenance mode or overloaded/);
    } finally {
      maintenance.close();
      unavailable.close();
    }
  });

  test('self-signed, expired and wrong-host certificates are rejected with the advice to use TALK_CA_FILE or fix the certificate', async () => {
    const pki = new TestPki();
    const status = (_q: http.IncomingMessage, r: http.ServerResponse) => r.writeHead(200, { 'content-type': 'application/json' }).end(statusJson());
    const selfSigned = await serve(status, pki.selfSigned('self', 'IP:127.0.0.1'));
    const expired = await serve(status, pki.leaf('expired', 'IP:127.0.0.1', [new Date('2020-01-01T00:00:00Z'), new Date('2020-01-02T00:00:00Z')]));
    const otherHost = await serve(status, pki.leaf('other', 'DNS:other.example'));
    try {
      expectCleanError(await runCli(url(selfSigned.url)), /TLS certificate was rejected \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED)[\s\S]*TALK_CA_FILE/);
      expectCleanError(await runCli({ ...url(expired.url), TALK_CA_FILE: pki.caFile }), /TLS certificate was rejected \(CERT_HAS_EXPIRED/);
      expectCleanError(await runCli({ ...url(otherHost.url), TALK_CA_FILE: pki.caFile }), /TLS certificate was rejected \(ERR_TLS_CERT_ALTNAME_INVALID/);
    } finally {
      selfSigned.close();
      expired.close();
      otherHost.close();
    }
  });
});

test.describe('a real Nextcloud-like target (reference platform)', () => {
  test.describe.configure({ mode: 'serial' });
  let platform: ReferencePlatform;

  test.beforeAll(async ({}, testInfo) => {
    platform = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-badinput', workDir: path.join(testInfo.project.outputDir, 'bad-input-platform') });
  });
  test.afterAll(async () => {
    await platform?.stop();
  });

  test('its private CA is rejected without TALK_CA_FILE', async () => {
    const { user, password } = platform.users.alice;
    expectCleanError(await runCli({ TALK_URL: platform.url, TALK_USER: user, TALK_PASSWORD: password, TALK_BROWSERS: 'chromium' }), /TLS certificate was rejected[\s\S]*TALK_CA_FILE/);
  });

  test('a wrong password stops the run at once, naming the user and not retrying', async () => {
    const run = await runCli({ TALK_URL: platform.url, TALK_CA_FILE: platform.caFile, TALK_USER: 'alice', TALK_PASSWORD: SECRET, TALK_BROWSERS: 'chromium' });
    expectCleanError(run, /credentials of "alice".*were rejected with HTTP 401/);
    expect(run.output).toContain('does not retry');
  });

  test('with TALK_CA_FILE pointing at the right CA, the same target is certified over HTTPS', async () => {
    const { user, password } = platform.users.alice;
    const run = await runCli(
      { TALK_URL: platform.url, TALK_CA_FILE: platform.caFile, TALK_USER: user, TALK_PASSWORD: password, TALK_BROWSERS: 'chromium' },
      ['--', '--grep', '@https'],
    );
    const report = JSON.parse(readFileSync(path.join(run.reportDir, 'certification.json'), 'utf8')) as { checks: { id: string; verdict: string }[] };
    expect(report.checks.find((c) => c.id === 'https.tls.valid')?.verdict, run.output).toBe('pass');
    expect(report.checks.filter((c) => c.id.startsWith('https.')).every((c) => c.verdict === 'pass'), run.output).toBe(true);
    expect(run.output).not.toContain(password);
  });
});
