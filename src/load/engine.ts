import { setMaxListeners } from 'node:events';
import { THROTTLE_REMEDY, TalkError } from '../talk/errors.ts';
import { LONG_POLL_TIMEOUT_MS } from '../talk/http.ts';
import type { OcsClient } from '../talk/ocs.ts';
import { StatusTallies, type StatusTally, nextcloudThrottled } from './diagnose.ts';
import { ABORT_MIN_REQUESTS, type LoadSettings, capProblems } from './limits.ts';
import { type Counters, LatencyRecorder, type LatencySummary, failures, newCounters } from './stats.ts';

/**
 * The chat load engine: N participants long-polling a conversation exactly as Talk's web client
 * does (docs/reference/talk-reference.md section 1: `lookIntoFuture=1`, `timeout=30`, `lastKnownMessageId` from
 * `X-Chat-Last-Given`, 200 with messages or 304 after the timeout), S of them posting at a fixed
 * total rate. Every message carries its sender, a per-sender sequence number and its send time,
 * so every participant measures send→receive delivery latency (not the poll's duration) and
 * detects lost, duplicated and out-of-order messages. Protocol level on undici: no browsers.
 */

const SPREED = 'apps/spreed/api';
/** Talk's client asks for 30 s; the server caps it there (ChatController::receiveMessages). */
export const CHAT_POLL_TIMEOUT_S = 30;
/** After a failed poll a participant waits this long before the next one, like Talk's client, so a failing server is not hammered in a tight loop. */
export const ERROR_BACKOFF_MS = 1_000;
/** Send requests are ordinary requests: a busy server may take seconds, a starved one never answers. */
export const SEND_TIMEOUT_MS = 15_000;
/** How long after the last send the engine waits for stragglers before counting them lost. */
export const DRAIN_MS = 10_000;
/**
 * A participant's join (its first request, often its login too) is tried this many times with
 * JOIN_BACKOFF_MS between tries: many concurrent first joins can time out or meet a 500 on a busy
 * server; one that never succeeds is counted and the run goes on without that participant.
 */
export const JOIN_ATTEMPTS = 3;
export const JOIN_BACKOFF_MS = 1_000;
/** Progress is reported this often. */
export const PROGRESS_INTERVAL_MS = 1_000;

const MESSAGE_RE = /^\[(\S+)\] s=(\d+) n=(\d+) t=(\d+(?:\.\d+)?)$/;

/** Epoch milliseconds with sub-ms precision (same clock for sender and receiver: one process). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export function formatLoadMessage(tag: string, sender: number, seq: number, sentAtMs: number): string {
  return `[${tag}] s=${sender} n=${seq} t=${sentAtMs.toFixed(3)}`;
}

export function parseLoadMessage(tag: string, text: string): { sender: number; seq: number; sentAtMs: number } | null {
  const m = MESSAGE_RE.exec(text);
  if (!m || m[1] !== tag) return null;
  return { sender: Number(m[2]), seq: Number(m[3]), sentAtMs: Number(m[4]) };
}

/**
 * One participant's view of one sender's stream: the next sequence number expected and the gaps
 * seen so far. O(1) memory when nothing goes wrong (10,000 participants must fit in one process).
 */
class StreamTracker {
  next = 0;
  missing: Set<number> | null = null;
  duplicated = 0;
  outOfOrder = 0;

  receive(seq: number): 'new' | 'dup' {
    if (seq === this.next) {
      this.next++;
      return 'new';
    }
    if (seq > this.next) {
      this.missing ??= new Set();
      for (let i = this.next; i < seq; i++) this.missing.add(i);
      this.next = seq + 1;
      return 'new';
    }
    if (this.missing?.delete(seq)) {
      this.outOfOrder++;
      return 'new';
    }
    this.duplicated++;
    return 'dup';
  }

  /** Acknowledged messages (seq < acked, not in failedSends) this participant never got. */
  lost(acked: number, failedSends: ReadonlySet<number>): number {
    let n = 0;
    for (const s of this.missing ?? []) if (s < acked && !failedSends.has(s)) n++;
    for (let s = this.next; s < acked; s++) if (!failedSends.has(s)) n++;
    return n;
  }
}

export type ErrorKind = 'timeouts' | 'throttled' | 'http5xx' | 'otherStatus' | 'resets' | 'networkErrors';

/** Sorts a failed request into its counter. */
export function classifyError(err: unknown): ErrorKind {
  if (err instanceof TalkError) {
    const status = err.details.status;
    if (err.code === 'THROTTLED' || status === 429) return 'throttled';
    if (status !== undefined && status >= 500) return 'http5xx';
    if (status !== undefined) return 'otherStatus';
    if (err.code === 'TIMEOUT') return 'timeouts';
    const cause = (err.cause ?? {}) as { code?: string; cause?: { code?: string }; message?: string };
    const code = cause.cause?.code ?? cause.code ?? '';
    if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED/.test(code) || /other side closed|socket hang up|reset/i.test(err.message)) return 'resets';
    return 'networkErrors';
  }
  return 'networkErrors';
}

export interface ChatLoadPlan {
  /** The conversation everyone is in. */
  token: string;
  /** Id of the newest message before the run (participants start polling after it). */
  lastKnownMessageId: number;
  /** One client per participant (its own cookie jar = its own PHP session); the same login may appear several times. */
  participants: OcsClient[];
  /** Clients that post (usually the first S participants). */
  senders: OcsClient[];
  settings: Pick<LoadSettings, 'ratePerS' | 'durationS' | 'rampUpS' | 'signaling' | 'maxErrorPercent'>;
  /** Tags this run's messages (the run id); other messages in the conversation are ignored. */
  tag: string;
  /** Ctrl-C or the test's end: stops polls and sends, the result is still returned. */
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Caps still apply to programmatic callers; only an explicit override lifts them. */
  overrideCaps?: boolean;
  drainMs?: number;
  /**
   * A response header in which the server stamps when it answered (epoch ms, same clock): the
   * time from that stamp to the moment a participant has parsed the poll's messages is the
   * generator's own overhead (`npm run bench:load` stamps the reference double's responses).
   */
  responseStampHeader?: string;
  /** Timeout of one join attempt (default REQUEST_TIMEOUT_MS); self-tests shorten it. */
  joinTimeoutMs?: number;
  /** The chat polls' `timeout` (Talk's client: 30); self-tests shorten it. */
  pollTimeoutS?: number;
}

export interface LoadProgress {
  elapsedS: number;
  participantsPolling: number;
  participants: number;
  sent: number;
  delivered: number;
  p95DeliveryMs: number;
  errors: number;
  counters: Counters;
}

export interface ChatLoadResult {
  participants: number;
  senders: number;
  settings: ChatLoadPlan['settings'];
  durationMs: number;
  /** Why the run stopped early, or null. */
  aborted: string | null;
  sent: { attempted: number; acknowledged: number; failed: number };
  /** Deliveries expected (acknowledged × participants) and seen. */
  deliveries: { expected: number; received: number };
  delivery: LatencySummary;
  send: LatencySummary;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  counters: Counters;
  /** Error answers by HTTP status, how fast they came and who sent them (src/load/diagnose.ts). */
  statuses: StatusTally[];
  errorPercent: number;
  timeline: ReturnType<LatencyRecorder['timeline']>;
  histogram: ReturnType<LatencyRecorder['histogram']>;
  /** Server stamp → messages parsed, for polls that delivered messages; only with `responseStampHeader`. */
  overhead: LatencySummary | null;
  /** Participants whose join succeeded (possibly after retries) and who failed all JOIN_ATTEMPTS; the lost figures count only joined ones. */
  joins: { joined: number; failed: number; retried: number; timeouts: number };
  /**
   * Joins timed out while exactly this many participants were holding polls, and never more were:
   * the server (its PHP-FPM pool) holds at most that many concurrent long polls. Null otherwise.
   */
  pollCeiling: number | null;
}

const sleepUntil = (atMs: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const ms = atMs - nowMs();
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export async function runChatLoad(plan: ChatLoadPlan): Promise<ChatLoadResult> {
  const { token, settings, tag } = plan;
  const N = plan.participants.length;
  const S = plan.senders.length;
  const problems = capProblems({ participants: N, senders: S, ratePerS: settings.ratePerS, durationS: settings.durationS }, plan.overrideCaps ?? false);
  if (problems.length) throw new Error(`runChatLoad: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
  if (N === 0 || S === 0 || settings.ratePerS <= 0) throw new Error(`runChatLoad: needs participants (${N}), senders (${S}) and a rate > 0 (${settings.ratePerS})`);

  const t0 = nowMs();
  const stop = new AbortController();
  // Every participant's pending request and back-off timer listens for the stop (thousands of them).
  setMaxListeners(0, stop.signal);
  let aborted: string | null = null;
  /** Failed join attempts (counted in `counters`, left out of the abort rate). */
  let joinErrors = 0;
  const onOuter = () => {
    aborted ??= 'interrupted (Ctrl-C or the check ended)';
    stop.abort();
  };
  if (plan.signal?.aborted) onOuter();
  plan.signal?.addEventListener('abort', onOuter, { once: true });

  const counters = newCounters();
  const statuses = new StatusTallies();
  const delivery = new LatencyRecorder(t0);
  const sendLatency = new LatencyRecorder(t0);
  const stampHeader = plan.responseStampHeader?.toLowerCase();
  const overhead = stampHeader ? new LatencyRecorder(t0) : null;
  const streams: StreamTracker[][] = Array.from({ length: N }, () => Array.from({ length: S }, () => new StreamTracker()));
  const acked = new Array<number>(S).fill(0);
  const failedSends: Set<number>[] = Array.from({ length: S }, () => new Set());
  const sentBy = new Array<number>(S).fill(0);
  let attempted = 0;
  let received = 0;
  let polling = 0;
  /** Awaited with the participants: no request of this run may still be in flight when the caller deletes the conversation. */
  const signalingLoops: Promise<void>[] = [];
  let drained: (() => void) | null = null;
  let joinedOrFailed = 0;
  let allJoined: () => void = () => {};
  const everyoneJoined = new Promise<void>((r) => (allJoined = r));
  const joinDone = () => {
    if (++joinedOrFailed === N) allJoined();
  };

  /** A failed request that was sent at `startedMs`. */
  const fail = (err: unknown, startedMs: number, phase: 'join' | 'run' = 'run') => {
    if (stop.signal.aborted) return;
    const kind = classifyError(err);
    counters[kind]++;
    statuses.record(err, nowMs() - startedMs);
    if (kind === 'throttled') {
      // A guest that is being throttled stops at once: every further request from this address
      // would only lengthen Nextcloud's brute-force delay (or lock real users on a shared NAT out).
      // A 429 from a front (nginx limit_req_status 429) is a refusal: src/load/diagnose.ts tells them apart.
      aborted ??= nextcloudThrottled(statuses.list())
        ? `Nextcloud throttled the load (HTTP 429, brute-force protection or rate limit) after ${counters.requests} requests: stopped at once. ${THROTTLE_REMEDY}`
        : `the front answered HTTP 429 (a rate limit in front of Nextcloud) after ${counters.requests} requests: stopped at once`;
      stop.abort();
      return;
    }
    if (phase === 'join') {
      joinErrors++;
      return;
    }
    // Join errors are judged by the join conditions (retried, counted), not by the abort rate.
    const errs = failures(counters) - joinErrors;
    if (counters.requests >= ABORT_MIN_REQUESTS && (errs / counters.requests) * 100 > settings.maxErrorPercent) {
      aborted ??= `error rate ${((errs / counters.requests) * 100).toFixed(1)} % above the ${settings.maxErrorPercent} % threshold after ${counters.requests} requests`;
      stop.abort();
    }
  };
  const joined = new Array<boolean>(N).fill(false);
  let joinFailed = 0;
  let joinRetried = 0;
  let joinTimeouts = 0;
  /** How many participants were polling each time a join timed out. */
  const pollingAtJoinTimeouts = new Set<number>();
  let peakPolling = 0;
  const joinedCount = () => joined.filter(Boolean).length;
  const expectedDeliveries = () => acked.reduce((a, b) => a + b, 0) * joinedCount();

  async function participant(i: number): Promise<void> {
    const ocs = plan.participants[i]!;
    await sleepUntil(t0 + (settings.rampUpS * 1000 * i) / N, stop.signal);
    if (stop.signal.aborted) return;
    let joinedOk = false;
    for (let attempt = 1; attempt <= JOIN_ATTEMPTS && !stop.signal.aborted; attempt++) {
      const joinStart = nowMs();
      try {
        counters.requests++;
        // The Talk client joins the conversation (a Talk session) before it polls.
        // `notAfter`, not `signal`: a join already sent is awaited, not aborted (the server would
        // still handle it, possibly after the conversation is deleted); one not sent yet never is.
        await ocs.post(`${SPREED}/v4/room/${token}/participants/active`, { force: true }, { notAfter: stop.signal, ...(plan.joinTimeoutMs ? { timeoutMs: plan.joinTimeoutMs } : {}) });
        counters.ok++;
        joinedOk = true;
        if (attempt > 1) joinRetried++;
        break;
      } catch (err) {
        const kind = classifyError(err);
        if (kind === 'timeouts') {
          joinTimeouts++;
          pollingAtJoinTimeouts.add(polling);
        }
        // Start-up errors are counted but do not abort the run by rate (only a throttle stops it at once).
        fail(err, joinStart, 'join');
        if (kind === 'throttled' || kind === 'otherStatus') break;
        if (attempt < JOIN_ATTEMPTS) await sleepUntil(nowMs() + JOIN_BACKOFF_MS, stop.signal);
      }
    }
    if (!joinedOk) {
      joinFailed++;
      joinDone();
      return;
    }
    joined[i] = true;
    joinDone();
    if (settings.signaling) signalingLoops.push(signalingLoop(ocs));
    polling++;
    peakPolling = Math.max(peakPolling, polling);
    let lastKnown = plan.lastKnownMessageId;
    const mine = streams[i]!;
    try {
      while (!stop.signal.aborted) {
        counters.requests++;
        const pollStart = nowMs();
        try {
          const res = await ocs.get<{ message: string; messageType: string }[]>(`${SPREED}/v1/chat/${token}`, {
            query: { lookIntoFuture: 1, timeout: plan.pollTimeoutS ?? CHAT_POLL_TIMEOUT_S, lastKnownMessageId: lastKnown, limit: 200, setReadMarker: 0 },
            expect: [200, 304],
            timeoutMs: LONG_POLL_TIMEOUT_MS,
            signal: stop.signal,
          });
          if (res.status === 304) {
            counters.notModified++;
            continue;
          }
          counters.ok++;
          const at = nowMs();
          if (overhead) {
            const stamp = Number(res.headers[stampHeader!]);
            if (Number.isFinite(stamp)) overhead.record(Math.max(0, at - stamp), at);
          }
          const given = Number(res.headers['x-chat-last-given']);
          if (Number.isFinite(given) && given > lastKnown) lastKnown = given;
          for (const m of res.data ?? []) {
            const p = m.messageType === 'comment' ? parseLoadMessage(tag, m.message) : null;
            const stream = p ? mine[p.sender] : undefined;
            if (!p || !stream) continue;
            if (stream.receive(p.seq) === 'new') {
              received++;
              delivery.record(at - p.sentAtMs, at);
            }
          }
          if (drained && received >= expectedDeliveries()) drained();
        } catch (err) {
          fail(err, pollStart);
          if (!stop.signal.aborted) await sleepUntil(nowMs() + ERROR_BACKOFF_MS, stop.signal);
        }
      }
    } finally {
      polling--;
    }
  }

  /**
   * SignalingController::pullMessages: the internal signaling long poll a client in a conversation
   * holds too. It finds the participant's Talk session in the PHP session (TalkSession::
   * getSessionForRoom), so it needs the session cookie to stay logged in: the session-cookie
   * clients send `cookie_test` with their login for that (see OcsAuthMode in src/talk/ocs.ts).
   */
  async function signalingLoop(ocs: OcsClient): Promise<void> {
    while (!stop.signal.aborted) {
      counters.requests++;
      const started = nowMs();
      try {
        await ocs.get(`${SPREED}/v3/signaling/${token}`, { timeoutMs: LONG_POLL_TIMEOUT_MS, signal: stop.signal });
        counters.ok++;
      } catch (err) {
        fail(err, started);
        if (!stop.signal.aborted) await sleepUntil(nowMs() + ERROR_BACKOFF_MS, stop.signal);
      }
    }
  }

  async function send(k: number): Promise<void> {
    const s = k % S;
    const seq = sentBy[s]!++;
    attempted++;
    const sentAt = nowMs();
    counters.requests++;
    try {
      await plan.senders[s]!.post(`${SPREED}/v1/chat/${token}`, { message: formatLoadMessage(tag, s, seq, sentAt) }, { expect: [201], timeoutMs: SEND_TIMEOUT_MS, notAfter: stop.signal });
      counters.ok++;
      sendLatency.record(nowMs() - sentAt, nowMs());
    } catch (err) {
      failedSends[s]!.add(seq);
      fail(err, sentAt);
    } finally {
      acked[s] = Math.max(acked[s]!, seq + 1);
    }
  }

  const progress = setInterval(() => {
    plan.onProgress?.({
      elapsedS: Math.round((nowMs() - t0) / 1000),
      participantsPolling: polling,
      participants: N,
      sent: attempted,
      delivered: received,
      p95DeliveryMs: delivery.percentileMs(95),
      errors: failures(counters),
      counters: { ...counters },
    });
  }, PROGRESS_INTERVAL_MS);

  const loops = plan.participants.map((_, i) => participant(i));
  // Senders start once everyone joined (or failed to) and had a moment to issue its first poll,
  // so start-up (TLS handshakes, logins) is not measured as delivery latency.
  let joinTimer: NodeJS.Timeout | undefined;
  await Promise.race([everyoneJoined, new Promise((r) => (joinTimer = setTimeout(r, settings.rampUpS * 1000 + SEND_TIMEOUT_MS))), new Promise((r) => stop.signal.addEventListener('abort', r, { once: true }))]);
  clearTimeout(joinTimer);
  const sendStart = nowMs() + ERROR_BACKOFF_MS;
  // Nobody to deliver to: nothing is sent (no latency or loss figures for messages never sent).
  const total = joinedCount() === 0 && joinedOrFailed === N ? 0 : Math.round(settings.ratePerS * settings.durationS);
  const sends: Promise<void>[] = [];
  for (let k = 0; k < total && !stop.signal.aborted; k++) {
    await sleepUntil(sendStart + (k * 1000) / settings.ratePerS, stop.signal);
    if (stop.signal.aborted) break;
    sends.push(send(k));
  }
  await Promise.all(sends);
  if (!stop.signal.aborted && received < expectedDeliveries()) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, plan.drainMs ?? DRAIN_MS);
      drained = () => {
        clearTimeout(t);
        resolve();
      };
      stop.signal.addEventListener('abort', drained, { once: true });
    });
  }
  const durationMs = nowMs() - t0;
  stop.abort();
  clearInterval(progress);
  await Promise.allSettled(loops);
  await Promise.allSettled(signalingLoops);
  plan.signal?.removeEventListener('abort', onOuter);

  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const [i, row] of streams.entries()) {
    // A participant that never joined never polled: its deliveries were never expected.
    if (!joined[i]) continue;
    row.forEach((st, s) => {
      lost += st.lost(acked[s]!, failedSends[s]!);
      duplicated += st.duplicated;
      outOfOrder += st.outOfOrder;
    });
  }
  const failedCount = failedSends.reduce((a, f) => a + f.size, 0);
  const errs = failures(counters);
  const result: ChatLoadResult = {
    participants: N,
    senders: S,
    settings,
    durationMs: Math.round(durationMs),
    aborted,
    sent: { attempted, acknowledged: attempted - failedCount, failed: failedCount },
    deliveries: { expected: (attempted - failedCount) * joinedCount(), received },
    delivery: delivery.summary(),
    send: sendLatency.summary(),
    lost,
    duplicated,
    outOfOrder,
    counters,
    statuses: statuses.list(),
    errorPercent: counters.requests ? Math.round((errs / counters.requests) * 10_000) / 100 : 0,
    timeline: delivery.timeline(),
    histogram: delivery.histogram(),
    overhead: overhead?.summary() ?? null,
    joins: { joined: joinedCount(), failed: joinFailed, retried: joinRetried, timeouts: joinTimeouts },
    pollCeiling: joinTimeouts > 0 && pollingAtJoinTimeouts.size === 1 && [...pollingAtJoinTimeouts][0]! > 0 && [...pollingAtJoinTimeouts][0] === peakPolling && peakPolling < N ? peakPolling : null,
  };
  delivery.destroy();
  sendLatency.destroy();
  overhead?.destroy();
  return result;
}
