import { expect, test } from '@playwright/test';
import { type ChatLoadOutcome, StatusTallies, chatLoadConditions, chatLoadObserved, frontRefusal, nextcloudThrottled, throttledReason } from '../../../src/load/diagnose.ts';
import { newCounters } from '../../../src/load/stats.ts';
import { TalkError } from '../../../src/talk/errors.ts';

/**
 * The load checks' diagnoses on synthetic results: a front that refuses (503/429 at once) is
 * "refused, not slow", never "slow PHP-FPM"; zero delivered messages never get a latency figure;
 * Nextcloud's own throttling is told apart from a front's rate limit.
 */

const THRESHOLDS = { p95DeliveryMs: 2_000, maxErrorPercent: 1 };

function outcome(over: Partial<ChatLoadOutcome>): ChatLoadOutcome {
  return {
    participants: 20,
    aborted: null,
    sent: { attempted: 30, acknowledged: 30, failed: 0 },
    deliveries: { expected: 600, received: 600 },
    delivery: { count: 600, percentilesMs: { p50: 400, p95: 900 }, maxMs: 1_100 },
    lost: 0,
    duplicated: 0,
    counters: { ...newCounters(), requests: 700, ok: 700 },
    errorPercent: 0,
    statuses: [],
    ...over,
  };
}

/** Tallies as the engine records them: `n` answers of `status` from `server`, each `ms` long. */
function tallies(n: number, status: number, ms: number, extra: { server?: string; ocs?: boolean; bruteforceThrottled?: string } = {}) {
  const t = new StatusTallies();
  for (let i = 0; i < n; i++) t.record(new TalkError(status === 429 ? 'THROTTLED' : 'UNAVAILABLE', `HTTP ${status}`, { status, ...extra }), ms);
  return t.list();
}

const diagnosis = (o: ChatLoadOutcome) =>
  chatLoadConditions(o, THRESHOLDS, o.participants)
    .filter(([ok]) => !ok)
    .map(([, d]) => d)
    .join('; ');

test('a healthy run passes every condition and shows its percentiles', () => {
  const o = outcome({});
  expect(chatLoadConditions(o, THRESHOLDS).every(([ok]) => ok)).toBe(true);
  expect(chatLoadObserved(o)).toContain('p95 900 ms');
});

test('zero delivered messages: no latency percentile, but that nothing arrived and why', () => {
  const o = outcome({
    sent: { attempted: 30, acknowledged: 0, failed: 30 },
    deliveries: { expected: 0, received: 0 },
    delivery: { count: 0, percentilesMs: { p50: 0, p95: 0 }, maxMs: 0 },
    counters: { ...newCounters(), requests: 60, ok: 30, timeouts: 30 },
    errorPercent: 50,
  });
  const d = diagnosis(o);
  expect(d).toMatch(/no message was delivered to any participant \(0 of 0 expected deliveries, 0 of 30 sends accepted\)/);
  expect(d).toMatch(/none of the 30 sends was accepted \(timeouts 30/);
  expect(d).not.toMatch(/p95|latency 0 ms|0 ms is above/);
  expect(chatLoadObserved(o)).toContain('no message delivered');
  expect(chatLoadObserved(o)).not.toMatch(/p95/);
});

test('accepted messages that no poll returns: the long poll does not deliver', () => {
  const o = outcome({ deliveries: { expected: 600, received: 0 }, delivery: { count: 0, percentilesMs: { p50: 0, p95: 0 }, maxMs: 0 }, lost: 600 });
  expect(diagnosis(o)).toMatch(/30 messages were accepted but no poll ever returned one/);
});

test('all 503 within milliseconds from nginx: refused, not slow, one client address, no PHP-FPM sizing', () => {
  const statuses = tallies(412, 503, 2, { server: 'nginx' });
  const o = outcome({
    aborted: 'error rate 85.0 % above the 1 % threshold after 485 requests',
    sent: { attempted: 3, acknowledged: 0, failed: 3 },
    deliveries: { expected: 0, received: 0 },
    delivery: { count: 0, percentilesMs: { p50: 0, p95: 0 }, maxMs: 0 },
    counters: { ...newCounters(), requests: 485, ok: 73, http5xx: 412 },
    errorPercent: 84.95,
    statuses,
  });
  expect(frontRefusal(statuses, 412)).toMatchObject({ status: 503, count: 412, fast: 412, servers: ['nginx'] });
  const d = diagnosis(o);
  expect(d).toMatch(/the front refused 412 requests with HTTP 503 from "nginx", 412 of them within 250 ms .* refused, not slow/);
  expect(d).toMatch(/All load comes from one client address \(this machine\), 20 concurrent Talk requests from it/);
  expect(d).toMatch(/limit_conn\/limit_req/);
  expect(d).toMatch(/no message was delivered .*HTTP 503 refusals/);
  expect(d).not.toMatch(/PHP-FPM pool|pm\.max_children|p95/);
  expect(chatLoadObserved(o)).toContain('412× HTTP 503');
});

test('slow 503s (a proxy giving up on a busy PHP) are not called a refusal', () => {
  const statuses = tallies(50, 503, 30_000, { server: 'nginx' });
  expect(frontRefusal(statuses, 50)).toBeNull();
  const d = diagnosis(outcome({ counters: { ...newCounters(), requests: 700, ok: 650, http5xx: 50 }, errorPercent: 7.14, statuses }));
  expect(d).not.toMatch(/refused/);
  expect(d).toMatch(/7.14 % of requests failed/);
});

test('all 429 from a front (nginx limit_req_status 429, no OCS body): a rate limit refusing, not Nextcloud throttling', () => {
  const statuses = tallies(40, 429, 1, { server: 'nginx', ocs: false });
  expect(nextcloudThrottled(statuses)).toBeNull();
  const d = diagnosis(outcome({ counters: { ...newCounters(), requests: 100, ok: 60, throttled: 40 }, errorPercent: 40, statuses }));
  expect(d).toMatch(/HTTP 429 from "nginx".*refused, not slow: a request-rate limit per client address/);
});

test("all 429 from Nextcloud (OCS body, X-Nextcloud-Bruteforce-Throttled): the client is throttled, a not-run reason with occ's reset", () => {
  const statuses = tallies(1, 429, 3, { ocs: true, bruteforceThrottled: '25600ms' });
  const t = nextcloudThrottled(statuses);
  expect(t).not.toBeNull();
  expect(frontRefusal(statuses, 1)).toBeNull();
  expect(throttledReason(t, null)).toMatch(/HTTP 429 and X-Nextcloud-Bruteforce-Throttled .*not at fault.*occ security:bruteforce:reset <ip>/);
  expect(throttledReason(null, 25_000)).toMatch(/already delayed this client by 25000 ms before the run \(capabilities bruteforce\.delay\)/);
});
