import { expect, test } from '@playwright/test';
import type { Verdict } from '../../../src/verdict/types.ts';
import { type CertifyRun, runCertify } from '../certification/run-certify.ts';

/**
 * The TURN checks run for real (CLI, coturn, browsers) against the good profile and each TURN
 * fault profile, only `@turn`: every TURN check must get the expected verdict and diagnosis.
 * Fault profiles run Chromium only (the browser adds nothing to the fault); good runs both.
 */
type Expectation = { verdict: Verdict; diagnosis?: RegExp };
const TURN_IDS = ['turn.configured', 'turn.port.standard', 'turn.port.443', 'turn.allocation', 'turn.relay.udp', 'turn.relay.tcp', 'turn.relay.tls'];

/**
 * turn.relay.tls on the reference platform: coturn's certificate comes from the suite's per-run
 * CA, which the browsers do not trust for TURN over TLS (ignoreHTTPSErrors covers page loads
 * only), so both browsers answer 701 and the check warns. Open: give the browsers the CA.
 */
const TLS_UNTRUSTED: Expectation = { verdict: 'warn', diagnosis: /no relay candidate through turns:/ };

const CASES: { profile: string; browsers: string; expected: Record<string, Expectation> }[] = [
  { profile: 'good', browsers: 'chromium,firefox', expected: { 'turn.relay.tls': TLS_UNTRUSTED } },
  {
    profile: 'turn-missing',
    browsers: 'chromium',
    expected: {
      'turn.configured': { verdict: 'fail', diagnosis: /hand out no TURN server/ },
      'turn.port.standard': { verdict: 'fail', diagnosis: /no TURN URL/ },
      'turn.port.443': { verdict: 'warn', diagnosis: /no TURN URL/ },
      'turn.allocation': { verdict: 'fail', diagnosis: /no TURN server/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no TURN server/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no TURN server/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no TURN server/ },
    },
  },
  {
    profile: 'turn-unreachable',
    browsers: 'chromium',
    expected: {
      'turn.allocation': { verdict: 'fail', diagnosis: /nothing answers on turn:10\.213\.\d+\.4:443/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate/ },
    },
  },
  {
    // coturn runs at the address Talk hands out, but its answers never reach clients (issue 4's call fault).
    profile: 'turn-blocked',
    browsers: 'chromium',
    expected: {
      'turn.allocation': { verdict: 'fail', diagnosis: /nothing answers on turn:10\.213\.\d+\.3:443/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate/ },
    },
  },
  {
    profile: 'turn-wrong-secret',
    browsers: 'chromium',
    expected: {
      'turn.allocation': { verdict: 'fail', diagnosis: /rejected Talk's credentials .*401/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate/ },
    },
  },
  {
    profile: 'turn-not-443',
    browsers: 'chromium',
    expected: {
      'turn.port.standard': { verdict: 'fail', diagnosis: /no TURN URL on port 443 or 80 \(only 3478\)/ },
      'turn.port.443': { verdict: 'warn', diagnosis: /no TURN URL on port 443 \(only 3478\)/ },
      'turn.relay.tls': TLS_UNTRUSTED,
    },
  },
  {
    profile: 'turn-udp-only',
    browsers: 'chromium',
    expected: {
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate through turn:.*transport=tcp/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate through turns:/ },
    },
  },
];

for (const c of CASES) {
  test.describe(`TURN on reference profile ${c.profile}`, () => {
    let run: CertifyRun;
    test.beforeAll(async () => {
      run = await runCertify({ TALK_PROFILE: c.profile, TALK_BROWSERS: c.browsers }, ['--', '--grep', '@turn']);
    });
    test.afterAll(() => console.log(`${c.profile}: ${run?.report.checks.filter((x) => x.id.startsWith('turn.')).map((x) => `${x.id}(${x.browser ?? 'node'}) ${x.durationMs} ms`).join(', ')}`));

    test(`every TURN check gets its expected verdict and diagnosis`, () => {
      const turn = run.report.checks.filter((x) => x.id.startsWith('turn.'));
      const nBrowsers = c.browsers.split(',').length;
      expect(turn.length, run.output).toBe(4 + 3 * nBrowsers);
      expect(new Set(turn.map((x) => x.id))).toEqual(new Set(TURN_IDS));
      for (const x of turn) {
        const e = c.expected[x.id] ?? { verdict: 'pass' };
        expect.soft(x.verdict, `${x.id} (${x.project}): ${x.observed} / ${x.diagnosis}`).toBe(e.verdict);
        if (e.diagnosis) expect.soft(x.diagnosis ?? '', `${x.id} (${x.project})`).toMatch(e.diagnosis);
      }
      // Talk's TURN credentials never reach the report.
      expect(JSON.stringify(run.report)).not.toMatch(/"credential":\s*"(?!<redacted>)/);
    });
  });
}
