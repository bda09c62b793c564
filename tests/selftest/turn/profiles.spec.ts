import { expect, test } from '@playwright/test';
import type { Verdict } from '../../../src/verdict/types.ts';
import { type CertifyRun, knownIntermittent, runCertify } from '../certification/run-certify.ts';

/**
 * The TURN checks run for real (CLI, coturn, browsers) against the good profile and each TURN
 * fault profile, only `@turn`: every TURN check must get the expected verdict and diagnosis.
 * Fault profiles run Chromium only (the browser adds nothing to the fault); good runs both.
 */
type Expectation = { verdict: Verdict; diagnosis?: RegExp };
const TURN_IDS = ['turn.configured', 'turn.port.standard', 'turn.port.443', 'turn.allocation', 'turn.relay.udp', 'turn.relay.tcp', 'turn.relay.tls', 'turn.relay.restricted'];
const NODE_CHECKS = 4;
const BROWSER_CHECKS = 4;

/**
 * turns: works in both browsers because they are launched trusting the platform's per-run CA and
 * resolving its TURN name (src/browsers/trust.ts); turn.relay.restricted runs through the TURN
 * host's TCP-443-only address (src/reference/firewall.ts).
 */
const CASES: { profile: string; browsers: string; expected: Record<string, Expectation> }[] = [
  { profile: 'good', browsers: 'chromium,firefox', expected: {} },
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
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /no TURN server/ },
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
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /no relay candidate through turn:10\.213\.\d+\.4:443\?transport=tcp/ },
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
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /no relay candidate through turn:10\.213\.\d+\.5:443\?transport=tcp/ },
    },
  },
  {
    profile: 'turn-not-443',
    browsers: 'chromium',
    expected: {
      'turn.port.standard': { verdict: 'fail', diagnosis: /no TURN URL on port 443 or 80 \(only 3478\)/ },
      'turn.port.443': { verdict: 'warn', diagnosis: /no TURN URL on port 443 \(only 3478\)/ },
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /Talk offers no TURN URL over TCP or TLS on port 443 \(only 3478\/udp, 3478\/tcp, 3478\/tls\)/ },
    },
  },
  {
    profile: 'turn-udp-only',
    browsers: 'chromium',
    expected: {
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate through turn:.*transport=tcp/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate through turns:/ },
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /10\.213\.\d+\.5:443 refuses TCP connections — the TURN server has no TCP\/TLS listener on 443/ },
    },
  },
  {
    // A relay candidate proves an allocation, not relaying: only turn.allocation sees this fault.
    profile: 'turn-relay-denied',
    browsers: 'chromium',
    expected: {
      'turn.allocation': { verdict: 'fail', diagnosis: /CreatePermission A→B failed on turn:10\.213\.\d+\.3:443\?transport=udp: .*403/ },
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
      expect(turn.length, run.output).toBe(NODE_CHECKS + BROWSER_CHECKS * nBrowsers);
      expect(new Set(turn.map((x) => x.id))).toEqual(new Set(TURN_IDS));
      for (const x of turn) {
        const e = c.expected[x.id] ?? { verdict: 'pass' };
        if (!c.expected[x.id] && c.profile === 'good' && knownIntermittent(x)) continue;
        expect.soft(x.verdict, `${x.id} (${x.project}): ${x.observed} / ${x.diagnosis}`).toBe(e.verdict);
        if (e.diagnosis) expect.soft(x.diagnosis ?? '', `${x.id} (${x.project})`).toMatch(e.diagnosis);
      }
      // Talk's TURN credentials never reach the report.
      expect(JSON.stringify(run.report)).not.toMatch(/"credential":\s*"(?!<redacted>)/);
    });
  });
}
