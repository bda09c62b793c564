import { expect, test } from '@playwright/test';
import { type CertifyRun, runCertify } from '../certification/run-certify.ts';

/**
 * The load checks against the reference platform: `good` passes all three, each load fault
 * profile fails the right check with the right diagnosis. A short load (20 participants,
 * 2 msg/s, 15 s) keeps `npm test` bounded; real certifications default to 50 / 1 / 60 s.
 */
const SHORT_LOAD = { TALK_LOAD_PARTICIPANTS: '20', TALK_LOAD_RATE: '2', TALK_LOAD_DURATION_S: '15', TALK_LOAD_RAMP_UP_S: '3', TALK_LOAD_POLLS_HELD: '8' };

interface Case {
  profile: string;
  /** Check id → expected verdict and a diagnosis pattern; checks not listed must pass. */
  expected: Record<string, { verdict: string; diagnosis?: RegExp }>;
  /** Only these checks are run (fault profiles skip what they do not break, to save time). */
  grep: string;
  /** More TALK_* variables for this run. */
  env?: Record<string, string>;
}

// Delivery latencies are measured here: one run at a time, in the `timing` project, which runs
// after every other self-test (playwright.selftest.config.ts), so no browser competes for the CPU.
test.describe.configure({ mode: 'serial' });

const CASES: Case[] = [
  { profile: 'good', grep: '@load', expected: {} },
  {
    profile: 'worker-starvation',
    grep: 'long polls do not starve',
    expected: { 'load.longpoll.no-starvation': { verdict: 'fail', diagnosis: /queue behind the 8 held long polls.*pm\.max_children/ } },
  },
  {
    profile: 'proxy-cuts-long-polls',
    grep: 'held 30 s and not cut',
    expected: { 'load.longpoll.not-cut': { verdict: 'fail', diagnosis: /cut after 1\d\.\d s with HTTP 504 \(Gateway Timeout\).*proxy/ } },
  },
  {
    profile: 'slow-delivery',
    grep: 'delivered to every participant',
    expected: { 'load.chat.under-load': { verdict: 'fail', diagnosis: /p95 delivery latency .* is above 2000 ms/ } },
  },
  {
    profile: 'lossy',
    grep: 'delivered to every participant',
    expected: { 'load.chat.under-load': { verdict: 'fail', diagnosis: /deliveries never arrived: messages are lost/ } },
  },
  {
    // nginx limit_conn 4 per client address, 503 at once: refused, not slow, and no latency for
    // zero delivered messages. One worker, so the two checks do not share the 4 connections.
    profile: 'front-refuses',
    grep: 'long polls do not starve|delivered to every participant',
    env: { TALK_WORKERS: '1' },
    expected: {
      'load.chat.under-load': {
        verdict: 'fail',
        diagnosis: /^(?!.*(?:p95|PHP-FPM pool|pm\.max_children)).*the front refused \d+ requests with HTTP 503 from "nginx", \d+ of them within 250 ms .*refused, not slow.*All load comes from one client address.*no message was delivered to any participant/,
      },
      'load.longpoll.no-starvation': {
        verdict: 'fail',
        diagnosis: /^(?!.*(?:queue behind|pm\.max_children)).*the front refused \d+ requests with HTTP 503 from "nginx".*refused, not slow.*status\.php: HTTP 503 from "nginx" after \d+ ms/,
      },
    },
  },
];

for (const c of CASES) {
  test(`load checks on reference profile ${c.profile}`, async () => {
    test.setTimeout(240_000);
    const run: CertifyRun = await runCertify({ TALK_PROFILE: c.profile, TALK_BROWSERS: 'chromium', ...SHORT_LOAD, ...c.env }, ['--', '--grep', c.grep]);
    const load = run.report.checks.filter((ch) => ch.id.startsWith('load.') && ch.verdict !== 'not-run');
    expect(load.length, run.output).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const ch of load) {
      const want = c.expected[ch.id] ?? { verdict: 'pass' };
      if (ch.verdict !== want.verdict) problems.push(`${ch.id}: expected ${want.verdict}, got ${ch.verdict} — ${ch.diagnosis ?? ch.observed}`);
      if (want.diagnosis && !want.diagnosis.test(ch.diagnosis ?? '')) problems.push(`${ch.id}: diagnosis "${ch.diagnosis}" does not match ${want.diagnosis}`);
      // A normal run leaves Nextcloud's brute-force delay for this machine at 0 (issue 12 point 9).
      const bf = (ch.evidence ?? {}) as { bruteforceBefore?: { delayMs?: number }; bruteforceAfter?: { delayMs?: number } };
      if (bf.bruteforceBefore?.delayMs !== 0 || bf.bruteforceAfter?.delayMs !== 0) {
        problems.push(`${ch.id}: capabilities bruteforce.delay before/after the check: ${JSON.stringify(bf.bruteforceBefore)} / ${JSON.stringify(bf.bruteforceAfter)}, expected 0 / 0`);
      }
    }
    for (const id of Object.keys(c.expected)) if (!load.some((ch) => ch.id === id)) problems.push(`${id} did not run`);
    expect(problems, run.output).toEqual([]);
  });
}
