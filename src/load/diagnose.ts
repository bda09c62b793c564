import { THROTTLE_REMEDY, TalkError } from '../talk/errors.ts';
import type { Counters } from './stats.ts';
import { failures } from './stats.ts';

/**
 * Why a load check saw what it saw, in words: the diagnoses of src/verdict/checks/load.ts. Pure
 * functions over the engine's results, unit-tested with synthetic ones
 * (tests/selftest/unit/load-diagnose.spec.ts).
 *
 * The distinction that matters most: a server that is SLOW under load (PHP-FPM pool too small,
 * slow database) answers late or times out; a front that REFUSES load (nginx `limit_conn` /
 * `limit_req`, a proxy or load balancer rate limit, per client address) answers 503 or 429 at
 * once without asking PHP. Sizing PHP does nothing for the second, and since the suite sends
 * every participant from one machine, a per-address limit sees all of them as one client.
 */

/**
 * An error answer faster than this was not processed by PHP: nginx answers a `limit_conn` or
 * `limit_req` refusal in about a millisecond on loopback, and a network round trip to a remote
 * front adds tens of ms; a starved or slow PHP answers in seconds (or 504 when a proxy gives up).
 */
export const FAST_REFUSAL_MS = 250;
/** Statuses a front uses to refuse load: 503 (nginx limit_conn/limit_req default) and 429 (limit_*_status 429, HAProxy, load balancers). */
const REFUSAL_STATUSES = [503, 429];

/** Error answers of one HTTP status seen during a load check. */
export interface StatusTally {
  status: number;
  count: number;
  /** Answered within FAST_REFUSAL_MS. */
  fast: number;
  /** Distinct `Server` headers of these answers. */
  servers: string[];
  /** Answers that carried X-Nextcloud-Bruteforce-Throttled, or were OCS envelopes (Nextcloud itself answered). */
  fromNextcloud: number;
  bruteforceThrottled: number;
  minMs: number;
  maxMs: number;
}

/** Counts error answers by HTTP status, with how fast they came and who sent them. */
export class StatusTallies {
  private readonly by = new Map<number, StatusTally>();

  /** Records a failed request that took `ms`; errors without an HTTP status (timeouts, resets) are not answers. */
  record(err: unknown, ms: number): void {
    if (!(err instanceof TalkError) || err.details.status === undefined) return;
    const status = err.details.status;
    let t = this.by.get(status);
    if (!t) this.by.set(status, (t = { status, count: 0, fast: 0, servers: [], fromNextcloud: 0, bruteforceThrottled: 0, minMs: Math.round(ms), maxMs: Math.round(ms) }));
    t.count++;
    if (ms <= FAST_REFUSAL_MS) t.fast++;
    const server = err.details.server;
    if (server && !t.servers.includes(server) && t.servers.length < 5) t.servers.push(server);
    if (err.details.bruteforceThrottled) t.bruteforceThrottled++;
    if (err.details.ocs || err.details.bruteforceThrottled) t.fromNextcloud++;
    t.minMs = Math.min(t.minMs, Math.round(ms));
    t.maxMs = Math.max(t.maxMs, Math.round(ms));
  }

  list(): StatusTally[] {
    return [...this.by.values()].sort((a, b) => b.count - a.count);
  }
}

/** A front turning load away: most error answers are fast 503/429 that Nextcloud did not write. */
export interface FrontRefusal {
  status: number;
  count: number;
  fast: number;
  servers: string[];
  maxMs: number;
}

/**
 * The refusal among `tallies`, if the front refused rather than PHP being slow: a 503 or 429,
 * not from Nextcloud (no OCS body, no brute-force header), that is at least half of all failed
 * requests and mostly answered within FAST_REFUSAL_MS.
 */
export function frontRefusal(tallies: readonly StatusTally[], failedRequests: number): FrontRefusal | null {
  for (const t of tallies) {
    if (!REFUSAL_STATUSES.includes(t.status)) continue;
    const fromFront = t.count - t.fromNextcloud;
    if (fromFront <= 0 || fromFront * 2 < failedRequests || t.fast * 2 < t.count) continue;
    return { status: t.status, count: t.count, fast: t.fast, servers: t.servers, maxMs: t.maxMs };
  }
  return null;
}

/** Nextcloud's brute-force protection (or rate limit) answered: 429 as an OCS envelope or with X-Nextcloud-Bruteforce-Throttled. */
export function nextcloudThrottled(tallies: readonly StatusTally[]): StatusTally | null {
  return tallies.find((t) => (t.status === 429 && t.fromNextcloud > 0) || t.bruteforceThrottled > 0) ?? null;
}

/** "refused, not slow" in words, with the status, who answered and the one-address fact. */
export function describeFrontRefusal(r: FrontRefusal, concurrentPerAddress?: number): string {
  const who = r.servers.length ? `from "${r.servers.join('", "')}"` : 'without a Server header';
  const limit = r.status === 429 ? 'a request-rate limit' : 'a connection or request limit';
  return (
    `the front refused ${r.count} requests with HTTP ${r.status} ${who}, ${r.fast} of them within ${FAST_REFUSAL_MS} ms (slowest ${r.maxMs} ms) — refused, not slow: ` +
    `${limit} per client address in the web server or a proxy in front of it (nginx limit_conn/limit_req, HAProxy, a load balancer or WAF rate limit) turned them away before PHP saw them, so PHP-FPM sizing is not the cause. ` +
    `All load comes from one client address (this machine)${concurrentPerAddress ? `, ${concurrentPerAddress} concurrent Talk requests from it` : ''}: a per-address limit counts every participant as the same client, ` +
    'as it would an office or school behind one NAT. Raise the limit above the concurrent requests one address needs (each Talk participant holds a chat long poll, ' +
    'two with internal signaling), or exempt this address for the certification (nginx: a `geo`/`map` that empties the `limit_conn_zone`/`limit_req_zone` key for it)'
  );
}

/** What the under-load check needs of a run (a ChatLoadResult, or a synthetic one in unit tests). */
export interface ChatLoadOutcome {
  participants: number;
  aborted: string | null;
  sent: { attempted: number; acknowledged: number; failed: number };
  deliveries: { expected: number; received: number };
  delivery: { count: number; percentilesMs: Record<string, number>; maxMs: number };
  lost: number;
  duplicated: number;
  counters: Counters;
  errorPercent: number;
  statuses: StatusTally[];
  joins?: { joined: number; failed: number; retried: number; timeouts: number };
  pollCeiling?: number | null;
}

export interface ChatLoadThresholds {
  p95DeliveryMs: number;
  maxErrorPercent: number;
}

/** The observed line: no latency figure when nothing was delivered. */
export function chatLoadObserved(r: ChatLoadOutcome): string {
  const latency =
    r.delivery.count > 0
      ? `p50 ${r.delivery.percentilesMs['p50']} ms, p95 ${r.delivery.percentilesMs['p95']} ms, max ${r.delivery.maxMs} ms`
      : `no message delivered (0 of ${r.deliveries.expected} expected deliveries)`;
  const statuses = r.statuses.length ? `; error answers: ${r.statuses.map((t) => `${t.count}× HTTP ${t.status}`).join(', ')}` : '';
  return (
    `${r.participants} participants, ${r.sent.acknowledged} of ${r.sent.attempted} messages accepted: ${latency}; ` +
    `lost ${r.lost}, duplicated ${r.duplicated}, errors ${r.errorPercent} %${statuses}` +
    `${r.joins && r.joins.failed > 0 ? `; ${r.joins.failed} of ${r.participants} participants could not join` : ''}${r.aborted ? `; aborted: ${r.aborted}` : ''}`
  );
}

function errorBreakdown(k: Counters): string {
  return `timeouts ${k.timeouts}, 429 ${k.throttled}, 5xx ${k.http5xx}, resets ${k.resets}, other ${k.otherStatus + k.networkErrors}`;
}

/**
 * The under-load check's conditions, each with its diagnosis. Never a latency percentile for
 * zero delivered messages: then the diagnosis says that nothing arrived and why.
 */
export function chatLoadConditions(r: ChatLoadOutcome, t: ChatLoadThresholds, concurrentPerAddress?: number): [boolean, string][] {
  const refused = frontRefusal(r.statuses, failures(r.counters));
  const refusal = refused ? describeFrontRefusal(refused, concurrentPerAddress) : null;
  const p95 = r.delivery.percentilesMs['p95'] ?? 0;
  const conditions: [boolean, string][] = [];
  if (refusal) conditions.push([false, refusal]);
  if (r.pollCeiling) {
    conditions.push([
      false,
      `the server holds at most ${r.pollCeiling} concurrent long polls: ${r.joins?.timeouts ?? 0} joins timed out while exactly ${r.pollCeiling} of ${r.participants} participants were holding chat polls, and never more polled. ` +
        `Every waiting Talk client holds one PHP worker for up to 30 s: raise PHP-FPM pm.max_children (and the web server's worker limits) above the number of concurrent Talk users, or use the High-performance backend`,
    ]);
  } else if (r.joins && r.joins.failed > 0) {
    conditions.push([
      false,
      `${r.joins.failed} of ${r.participants} participants could not join the conversation after retries (${r.joins.timeouts} join attempts timed out; ${errorBreakdown(r.counters)})`,
    ]);
  }
  conditions.push([r.aborted === null, `the run was aborted: ${r.aborted}`]);
  if (r.delivery.count === 0) {
    let why: string;
    if (refusal) why = `HTTP ${refused!.status} refusals, see above`;
    else if (r.sent.attempted === 0)
      why =
        r.joins && r.joins.joined === 0 ? 'no message was sent: no participant could join the conversation' : 'no message was sent (the run stopped before the senders started)';
    else if (r.sent.acknowledged === 0) why = `none of the ${r.sent.attempted} sends was accepted (${errorBreakdown(r.counters)})`;
    else why = `${r.sent.acknowledged} messages were accepted but no poll ever returned one: the chat long poll does not deliver (${errorBreakdown(r.counters)})`;
    conditions.push([
      false,
      `no message was delivered to any participant (0 of ${r.deliveries.expected} expected deliveries, ${r.sent.acknowledged} of ${r.sent.attempted} sends accepted), so there is no delivery latency to judge: ${why}`,
    ]);
  } else {
    conditions.push([p95 <= t.p95DeliveryMs, `p95 delivery latency ${p95} ms is above ${t.p95DeliveryMs} ms: messages reach participants late`]);
    conditions.push([r.lost === 0, `${r.lost} of ${r.deliveries.expected} deliveries never arrived: messages are lost`]);
  }
  conditions.push([r.duplicated === 0, `${r.duplicated} messages were delivered twice to the same participant`]);
  conditions.push([
    r.errorPercent <= t.maxErrorPercent,
    `${r.errorPercent} % of requests failed (${errorBreakdown(r.counters)})${refusal ? ' — refusals by the front, not slowness' : ''}`,
  ]);
  return conditions;
}

/** Not-run reason when Nextcloud's brute-force protection throttles this client (never a platform FAIL). */
export function throttledReason(t: StatusTally | null, delayBeforeMs: number | null): string {
  const parts: string[] = [];
  if (delayBeforeMs !== null && delayBeforeMs > 0) parts.push(`Nextcloud already delayed this client by ${delayBeforeMs} ms before the run (capabilities bruteforce.delay)`);
  if (t)
    parts.push(
      `Nextcloud answered ${t.count} requests with HTTP ${t.status}${t.bruteforceThrottled ? ' and X-Nextcloud-Bruteforce-Throttled' : ''} (brute-force protection or rate limit)`,
    );
  return `${parts.join('; ')}: this machine's address is throttled, so the load cannot be measured — the platform is not at fault. ${THROTTLE_REMEDY}`;
}
