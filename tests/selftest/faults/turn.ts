import { expect } from '@playwright/test';
import type { CertifyRun } from '../certification/run-certify.ts';
import { catalogueIds, type Expectation, type FaultRow, type FaultTable } from './types.ts';

/**
 * The TURN checks run for real (CLI, coturn, browsers) against the good profile and each TURN
 * fault profile, only `@turn`: every TURN check must get the expected verdict and diagnosis.
 * Fault profiles run Chromium only (the browser adds nothing to the fault); good runs both.
 *
 * turns: works in both browsers because they are launched trusting the platform's per-run CA and
 * resolving its TURN name (src/browsers/trust.ts); turn.relay.restricted runs through the TURN
 * host's TCP-443-only address (src/reference/firewall.ts).
 */

const TURN_IDS = catalogueIds((id) => id.startsWith('turn.'));

const EXTRAS = [
  {
    title: "Talk's TURN credentials never reach the report",
    assert: (run: CertifyRun) => expect(JSON.stringify(run.report)).not.toMatch(/"credential":\s*"(?!<redacted>)/),
  },
];

function row(profile: string, browsers: string[], expected: Record<string, Expectation>): FaultRow {
  return {
    profile,
    run: { browsers, tags: ['turn'] },
    checks: TURN_IDS,
    expected,
    extras: EXTRAS,
    log: (run) =>
      `${profile}: ${run.report.checks
        .filter((x) => x.id.startsWith('turn.'))
        .map((x) => `${x.id}(${x.browser ?? 'node'}) ${x.durationMs} ms`)
        .join(', ')}`,
  };
}

export const TURN_FAULTS: FaultTable = {
  area: 'turn',
  rules: {},
  rows: [
    row('good', ['chromium', 'firefox'], {}),
    row('turn-missing', ['chromium'], {
      'turn.configured': { verdict: 'fail', diagnosis: /hand out no TURN server/ },
      'turn.port.standard': { verdict: 'fail', diagnosis: /no TURN URL/ },
      'turn.port.443': { verdict: 'warn', diagnosis: /no TURN URL/ },
      'turn.allocation': { verdict: 'fail', diagnosis: /no TURN server/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no TURN server/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no TURN server/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no TURN server/ },
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /no TURN server/ },
    }),
    row('turn-unreachable', ['chromium'], {
      'turn.allocation': { verdict: 'fail', diagnosis: /nothing answers on turn:10\.213\.\d+\.4:443/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate/ },
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /no relay candidate through turn:10\.213\.\d+\.4:443\?transport=tcp/ },
    }),
    // coturn runs at the address Talk hands out, but its answers never reach clients (issue 4's call fault).
    row('turn-blocked', ['chromium'], {
      'turn.allocation': { verdict: 'fail', diagnosis: /nothing answers on turn:10\.213\.\d+\.3:443/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate/ },
    }),
    row('turn-wrong-secret', ['chromium'], {
      'turn.allocation': { verdict: 'fail', diagnosis: /rejected Talk's credentials .*401/ },
      'turn.relay.udp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate/ },
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /no relay candidate through turn:10\.213\.\d+\.5:443\?transport=tcp/ },
    }),
    row('turn-not-443', ['chromium'], {
      'turn.port.standard': { verdict: 'fail', diagnosis: /no TURN URL on port 443 or 80 \(only 3478\)/ },
      'turn.port.443': { verdict: 'warn', diagnosis: /no TURN URL on port 443 \(only 3478\)/ },
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /Talk offers no TURN URL over TCP or TLS on port 443 \(only 3478\/udp, 3478\/tcp, 3478\/tls\)/ },
    }),
    row('turn-udp-only', ['chromium'], {
      'turn.relay.tcp': { verdict: 'fail', diagnosis: /no relay candidate through turn:.*transport=tcp/ },
      'turn.relay.tls': { verdict: 'warn', diagnosis: /no relay candidate through turns:/ },
      'turn.relay.restricted': { verdict: 'fail', diagnosis: /10\.213\.\d+\.5:443 refuses TCP connections — the TURN server has no TCP\/TLS listener on 443/ },
    }),
    // A relay candidate proves an allocation, not relaying: only turn.allocation sees this fault.
    row('turn-relay-denied', ['chromium'], {
      'turn.allocation': { verdict: 'fail', diagnosis: /CreatePermission A→B failed on turn:10\.213\.\d+\.3:443\?transport=udp: .*403/ },
    }),
  ],
};
