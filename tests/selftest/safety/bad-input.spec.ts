import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { request } from 'undici';
import type { ReferencePlatform } from '../../../src/reference/index.ts';
import { test as platformTest } from '../support/platform.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';
import { probeTarget } from '../../../src/talk/probe.ts';
import { TLS_INDEPENDENT_CHECKS } from '../../../src/targets/index.ts';
import { EXIT_NOT_CERTIFIED, EXIT_UNUSABLE_INPUT } from '../../../src/verdict/outcome.ts';
import type { CertificationReport } from '../../../src/verdict/types.ts';
import { runCli } from '../certification/run-certify.ts';
import { TestPki } from '../support/certs.ts';

/**
 * Every mistake a hoster can make in the input ends the run with exit code 2 and one message that
 * names the cause (a TLS certificate problem is not one of them: it is the verdict https.tls.valid) — quickly (no long timeouts), without a stack trace, without echoing a secret.
 * Targets are local fake servers on 127.0.0.1 and a real reference platform.
 */

/**
 * Issue #7: bad input is answered within 10 s. Measured beyond the CLI's own start-up (tsx and
 * the imports, several seconds on a loaded 2-core machine), which `--help` shows. Other work on
 * the machine can slow one run; a run over the bound is compared with a start-up measured again
 * right then, so the bound holds the suite to "no waiting on network timeouts", not to the load.
 */
const FAST_MS = 10_000;
const SECRET = 'Wr0ng-Secret-7f3a9c';

async function startupMs(): Promise<number> {
  const help = await runCli({}, ['--help']);
  expect(help.exitCode, help.output).toBe(0);
  return help.ms;
}

async function expectCleanError(run: { exitCode: number; output: string; ms: number }, cause: RegExp): Promise<void> {
  expect(run.exitCode, run.output).toBe(EXIT_UNUSABLE_INPUT);
  expect(run.output).toMatch(cause);
  expect(run.output, 'no stack trace').not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(run.output, 'the password is never echoed').not.toContain(SECRET);
  if (run.ms < FAST_MS) return;
  const startup = await startupMs();
  expect(run.ms - startup, `answered within ${FAST_MS} ms after start-up (${startup} ms now; the run took ${run.ms} ms)`).toBeLessThan(FAST_MS);
}

/**
 * A certificate problem is not bad input (issue 12 point 6): the run goes on to a written report
 * in which https.tls.valid fails with `diagnosis`, every check that needs valid TLS is not run
 * citing it, and the CLI exits 1 (NOT CERTIFIED). Nothing but the TLS handshake reached the server.
 */
function expectTlsVerdict(run: { exitCode: number; output: string; reportDir: string }, diagnosis: RegExp, server?: { requests: string[] }): void {
  expect(run.exitCode, run.output).toBe(EXIT_NOT_CERTIFIED);
  expect(run.output, 'the password is never echoed').not.toContain(SECRET);
  const file = path.join(run.reportDir, 'certification.json');
  expect(existsSync(file), `report written\n${run.output}`).toBe(true);
  const report = JSON.parse(readFileSync(file, 'utf8')) as CertificationReport;
  expect(report.error).toBeNull();
  const tls = report.checks.find((c) => c.id === 'https.tls.valid');
  expect(tls?.verdict, run.output).toBe('fail');
  expect(tls?.diagnosis).toMatch(diagnosis);
  expect(tls?.remedy).toContain('TALK_CA_FILE');
  const dependent = report.checks.filter((c) => !TLS_INDEPENDENT_CHECKS.includes(c.id) && c.id.startsWith('https.'));
  expect(dependent.length).toBeGreaterThan(0);
  for (const c of dependent) {
    expect(c.verdict, c.id).toBe('not-run');
    expect(c.reason, c.id).toMatch(/TLS certificate of 127\.0\.0\.1:\d+ is not valid .*see https\.tls\.valid/);
  }
  if (server) expect(server.requests, 'no HTTP request over a certificate that did not verify').toEqual([]);
}

/** A local HTTP(S) server answering every request with the given handler; `requests` lists the paths it was asked for. */
async function serve(handler: http.RequestListener, tls?: { key: string; cert: string }): Promise<{ url: string; close: () => void; requests: string[] }> {
  const requests: string[] = [];
  const counted: http.RequestListener = (q, r) => {
    requests.push(q.url ?? '');
    handler(q, r);
  };
  const server = tls ? https.createServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, counted) : http.createServer(counted);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`, close: () => server.close(), requests };
}

/** status.php as Nextcloud answers it, and `ocs` for every OCS request. */
const nextcloudLike =
  (ocs: (r: http.ServerResponse) => void): http.RequestListener =>
  (q, r) => {
    if (q.url?.startsWith('/status.php')) return r.writeHead(200, { 'content-type': 'application/json' }).end(statusJson());
    if (q.url?.startsWith('/ocs/')) return ocs(r);
    r.writeHead(404).end();
  };

/** What Nextcloud answers a wrong Basic password (docs/reference/nc32-samples/ocs-wrongpass-user.*). */
const wrongPassword = (r: http.ServerResponse) =>
  r
    .writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Basic realm="Authorisation Required"' })
    .end('{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Unauthorised"},"data":[]}}');

const statusJson = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    installed: true,
    maintenance: false,
    needsDbUpgrade: false,
    version: '32.0.1.2',
    versionstring: '32.0.1',
    edition: '',
    productname: 'Nextcloud',
    extendedSupport: false,
    ...over,
  });

const url = (u: string) => ({ TALK_URL: u, TALK_USER: 'alice', TALK_PASSWORD: SECRET, TALK_BROWSERS: 'chromium' });

test.describe('configuration mistakes', () => {
  test('a malformed TALK_URL is refused before anything starts', async () => {
    await expectCleanError(await runCli(url('cloud.example.com')), /TALK_URL is not a URL: "cloud\.example\.com"/);
  });

  test('an unknown browser in TALK_BROWSERS is refused with the known names', async () => {
    await expectCleanError(await runCli({ TALK_BROWSERS: 'chromium,netscape' }), /TALK_BROWSERS unknown browser "netscape"; known: chromium, firefox/);
  });

  test('a URL target without credentials names both variables', async () => {
    await expectCleanError(await runCli({ TALK_URL: 'https://cloud.example.com/' }), /TALK_USER is required[\s\S]*TALK_PASSWORD is required/);
  });

  test('an unknown command-line option is refused', async () => {
    await expectCleanError(await runCli({}, ['--colour', 'blue']), /unknown option "--colour"/);
  });

  test('load limits above the hard caps are refused, naming the variable, the cap and the override', async () => {
    await expectCleanError(
      await runCli({ TALK_LOAD_PARTICIPANTS: '5000', TALK_LOAD_RATE: '100' }),
      /TALK_LOAD_PARTICIPANTS is 5000, above the safety cap of 500; set TALK_LOAD_OVERRIDE_CAPS=1[\s\S]*TALK_LOAD_RATE is 100, above the safety cap of 20/,
    );
    await expectCleanError(
      await runCli({ TALK_LOAD_PARTICIPANTS: '50000', TALK_LOAD_OVERRIDE_CAPS: '1' }),
      /TALK_LOAD_PARTICIPANTS must be a whole number from 1 to 20000, got "50000"/,
    );
  });

  test('a TALK_CA_FILE that is missing or not a certificate is refused', async () => {
    await expectCleanError(await runCli({ ...url('https://cloud.example.com/'), TALK_CA_FILE: '/nonexistent/ca.pem' }), /TALK_CA_FILE file not found: \/nonexistent\/ca\.pem/);
  });

  test('no .env and no TALK_URL: the CLI says it falls back to the reference platform', async () => {
    // `--list` makes Playwright list the checks without running global setup (no platform starts).
    const run = await runCli({ TALK_BROWSERS: 'chromium' }, ['--', '--list']);
    expect(run.output).toContain('No .env file and no TALK_URL: certifying the built-in reference platform (profile "good"). Set TALK_URL to certify your own Nextcloud.');
  });
});

test.describe('targets that are not usable', () => {
  test('a host name that does not resolve', async () => {
    await expectCleanError(await runCli(url('https://talk-certify-no-such-host.invalid/')), /does not resolve/);
  });

  test('a port where nothing listens', async () => {
    await expectCleanError(await runCli(url('https://127.0.0.1:9/')), /connection refused on port 9/);
  });

  test('a web server that is not Nextcloud', async () => {
    const s = await serve((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>'));
    try {
      await expectCleanError(await runCli(url(s.url)), /does not point at a Nextcloud/);
    } finally {
      s.close();
    }
  });

  test('a Nextcloud in maintenance mode stops the run before any check, saying what status.php said', async () => {
    const maintenance = await serve((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(statusJson({ maintenance: true })));
    // What index.php answers while maintenance is on (core/templates/update.user.php behind a 503).
    const maintenancePage = await serve((_q, r) =>
      r
        .writeHead(503, { 'content-type': 'text/html; charset=UTF-8', 'retry-after': '120' })
        .end('<html><body><h2>Maintenance mode</h2><p>This Nextcloud instance is currently in maintenance mode, which may take a while.</p></body></html>'),
    );
    try {
      const run = await runCli(url(maintenance.url));
      await expectCleanError(run, /says "maintenance": true: Nextcloud is in maintenance mode\. Leave it \(`occ maintenance:mode --off`\)/);
      expect(run.output, 'no check ran').not.toMatch(/\d+ passed|\d+ failed/);
      await expectCleanError(await runCli(url(maintenancePage.url)), /answered HTTP 503 \(Retry-After: 120\) text\/html.*Maintenance mode.*: Nextcloud is in maintenance mode/);
    } finally {
      maintenance.close();
      maintenancePage.close();
    }
  });

  test('a 503 or 502 from a proxy in front of Nextcloud says who answered and what to check', async () => {
    const nginx503 = await serve((_q, r) =>
      r
        .writeHead(503, { 'content-type': 'text/html', server: 'nginx' })
        .end(
          '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>',
        ),
    );
    const haproxy502 = await serve((_q, r) =>
      r.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>'),
    );
    try {
      await expectCleanError(
        await runCli(url(nginx503.url)),
        /answered HTTP 503 from "nginx" text\/html: .*503 Service Temporarily Unavailable.*the web server or a proxy in front of Nextcloud could not reach it/,
      );
      await expectCleanError(await runCli(url(haproxy502.url)), /answered HTTP 502 text\/html: .*502 Bad Gateway.*could not reach it \(PHP-FPM down or overloaded/);
    } finally {
      nginx503.close();
      haproxy502.close();
    }
  });

  test('a login rejected by Nextcloud stops the run after exactly one attempt', async () => {
    const s = await serve(nextcloudLike(wrongPassword));
    try {
      const run = await runCli(url(s.url));
      await expectCleanError(run, /credentials of "alice".*were rejected with HTTP 401.*does not retry/);
      // status.php, then one authenticated request: no retry with the same credentials.
      expect(
        s.requests.filter((r) => r.startsWith('/ocs/')),
        s.requests.join(', '),
      ).toHaveLength(1);
    } finally {
      s.close();
    }
  });

  test('Nextcloud throttling this machine (429, brute-force protection) is reported as throttling, with the remedy', async () => {
    // Throttler::sleepDelayOrThrowOnMax: past the maximum delay Nextcloud answers 429 (OCS statuscode 429).
    const throttled = await serve(
      nextcloudLike((r) =>
        r
          .writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'x-nextcloud-bruteforce-throttled': '25600ms' })
          .end('{"ocs":{"meta":{"status":"failure","statuscode":429,"message":"Reached maximum delay"},"data":[]}}'),
      ),
    );
    const statusThrottled = await serve((_q, r) => r.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '60' }).end('Too Many Requests'));
    try {
      const run = await runCli(url(throttled.url));
      await expectCleanError(
        run,
        /HTTP 429 \(X-Nextcloud-Bruteforce-Throttled: 25600ms\), Nextcloud is throttling this client.*occ security:bruteforce:reset <ip>.*Brute-force IP allowlist/,
      );
      expect(
        throttled.requests.filter((r) => r.startsWith('/ocs/')),
        'no retry after a 429',
      ).toHaveLength(1);
      await expectCleanError(await runCli(url(statusThrottled.url)), /answered HTTP 429 \(Retry-After: 60\).*is throttling this machine.*occ security:bruteforce:reset <ip>/);
    } finally {
      throttled.close();
      statusThrottled.close();
    }
  });

  test('self-signed, expired and wrong-host certificates are the verdict https.tls.valid fail (exit 1, report written), with the names, dates and TALK_CA_FILE advice', async () => {
    const pki = new TestPki();
    const otherPki = new TestPki();
    const selfCert = pki.selfSigned('self', 'IP:127.0.0.1');
    const selfSigned = await serve(nextcloudLike(wrongPassword), selfCert);
    const expired = await serve(nextcloudLike(wrongPassword), pki.leaf('expired', 'IP:127.0.0.1', [new Date('2020-01-01T00:00:00Z'), new Date('2020-01-02T00:00:00Z')]));
    const otherHost = await serve(nextcloudLike(wrongPassword), pki.leaf('other', 'DNS:other.example'));
    // Only the https area: what the verdict needs, and the run stays short.
    const https = ['--', '--grep', '@https'];
    try {
      expectTlsVerdict(
        await runCli(url(selfSigned.url), https),
        /does not verify against the system trust store \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED)[^)]*\): issued by CN=self; .*TALK_CA_FILE/,
        selfSigned,
      );
      // TALK_CA_FILE naming a CA that did not sign it changes nothing.
      expectTlsVerdict(await runCli({ ...url(selfSigned.url), TALK_CA_FILE: otherPki.caFile }, https), /(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED)/);
      // TALK_CA_FILE holding the self-signed certificate itself: TLS passes, the run gets as far as the login.
      const trusted = await runCli({ ...url(selfSigned.url), TALK_CA_FILE: selfCert.cert });
      await expectCleanError(trusted, /credentials of "alice".*were rejected with HTTP 401/);
      expect(trusted.output).not.toMatch(/TLS certificate/);
      expectTlsVerdict(
        await runCli({ ...url(expired.url), TALK_CA_FILE: pki.caFile }, https),
        /the certificate expired on 2020-01-02T00:00:00\.000Z \(valid from 2020-01-01T00:00:00\.000Z to 2020-01-02/,
        expired,
      );
      expectTlsVerdict(
        await runCli({ ...url(otherHost.url), TALK_CA_FILE: pki.caFile }, https),
        /the certificate is not for 127\.0\.0\.1: it names only DNS:other\.example/,
        otherHost,
      );
      expectTlsVerdict(
        await runCli({ ...url(otherHost.url), TALK_CA_FILE: otherPki.caFile }, https),
        /(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\): issued by CN=talk-certify test CA/,
      );
    } finally {
      selfSigned.close();
      expired.close();
      otherHost.close();
    }
  });
});

platformTest.describe('a real Nextcloud-like target (reference platform)', () => {
  // The worker's platform, reset before each test (tests/selftest/support/platform.ts).
  /** The double's counters (users, PHP sessions, failed logins…) from its control endpoint. */
  async function doubleState(platform: ReferencePlatform): Promise<{ phpSessions: number; failedLogins: number; users: number }> {
    const res = await request(new URL('__reference/state', platform.control.url), { headers: { 'x-reference-control': platform.control.token } });
    return (await res.body.json()) as { phpSessions: number; failedLogins: number; users: number };
  }

  platformTest('its private CA is not trusted without TALK_CA_FILE: https.tls.valid fails with the issuer and the TALK_CA_FILE advice', async ({ platform }) => {
    const { user, password } = platform.users.alice;
    const run = await runCli({ TALK_URL: platform.url, TALK_USER: user, TALK_PASSWORD: password, TALK_BROWSERS: 'chromium' }, ['--', '--grep', '@https']);
    expect(run.exitCode, run.output).toBe(EXIT_NOT_CERTIFIED);
    const report = JSON.parse(readFileSync(path.join(run.reportDir, 'certification.json'), 'utf8')) as CertificationReport;
    expect(report.checks.find((c) => c.id === 'https.tls.valid')?.diagnosis).toMatch(/issued by CN=talk-certify reference CA .*TALK_CA_FILE/);
    expect(run.output).not.toContain(password);
  });

  platformTest('a wrong password stops the run at once, naming the user: Nextcloud counts exactly one failed login', async ({ platform }) => {
    const before = await doubleState(platform);
    const run = await runCli({ TALK_URL: platform.url, TALK_CA_FILE: platform.caFile, TALK_USER: 'alice', TALK_PASSWORD: SECRET, TALK_BROWSERS: 'chromium' });
    await expectCleanError(run, /credentials of "alice".*were rejected with HTTP 401/);
    expect(run.output).toContain('does not retry');
    expect((await doubleState(platform)).failedLogins - before.failedLogins, 'failed logins the double counted').toBe(1);
  });

  platformTest('a disabled account stops the run at once with the advice to check that it is enabled', async ({ platform }) => {
    const { admin } = platform.users;
    const http = new HttpClient(platform.url, { caFile: platform.caFile });
    const adminOcs = new OcsClient(http, { user: admin.user, password: admin.password });
    const id = 'tc-selftest-badinput-disabled';
    await adminOcs.post('cloud/users', { userid: id, password: SECRET }, { expect: [200] });
    try {
      await adminOcs.request(`cloud/users/${id}/disable`, { method: 'PUT', expect: [200] });
      const before = await doubleState(platform);
      const run = await runCli({ TALK_URL: platform.url, TALK_CA_FILE: platform.caFile, TALK_USER: id, TALK_PASSWORD: SECRET, TALK_BROWSERS: 'chromium' });
      await expectCleanError(run, new RegExp(`credentials of "${id}".*were rejected with HTTP 401.*and that the account is enabled`));
      expect((await doubleState(platform)).failedLogins - before.failedLogins, 'failed logins the double counted').toBe(1);
    } finally {
      await adminOcs.delete(`cloud/users/${id}`, { expect: [200] });
      await http.close();
    }
  });

  platformTest('the API client keeps one authenticated session: probing the target opens exactly one PHP session', async ({ platform }) => {
    const { alice } = platform.users;
    const before = await doubleState(platform);
    const probe = await probeTarget(platform.url, { user: alice.user, password: alice.password }, platform.caFile);
    expect(probe.user?.id).toBe(alice.user);
    const http = new HttpClient(platform.url, { caFile: platform.caFile });
    try {
      const ocs = new OcsClient(http, { user: alice.user, password: alice.password });
      for (let i = 0; i < 5; i++) await ocs.get('cloud/user');
    } finally {
      await http.close();
    }
    // One session for the probe's client, one for the second client's five requests.
    expect((await doubleState(platform)).phpSessions - before.phpSessions).toBe(2);
    expect((await doubleState(platform)).failedLogins).toBe(before.failedLogins);
  });

  platformTest('with TALK_CA_FILE pointing at the right CA, the same target is certified over HTTPS', async ({ platform }) => {
    const { user, password } = platform.users.alice;
    const run = await runCli({ TALK_URL: platform.url, TALK_CA_FILE: platform.caFile, TALK_USER: user, TALK_PASSWORD: password, TALK_BROWSERS: 'chromium' }, [
      '--',
      '--grep',
      '@https',
    ]);
    const report = JSON.parse(readFileSync(path.join(run.reportDir, 'certification.json'), 'utf8')) as { checks: { id: string; verdict: string }[] };
    expect(report.checks.find((c) => c.id === 'https.tls.valid')?.verdict, run.output).toBe('pass');
    expect(
      report.checks.filter((c) => c.id.startsWith('https.')).every((c) => c.verdict === 'pass'),
      run.output,
    ).toBe(true);
    expect(run.output).not.toContain(password);
  });
});
