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

/** Resolves in the event loop's check phase, after the I/O callbacks that were ready. */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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

/**
 * Everything one run knows, in one place: what the stages below read and write. Created by
 * `provision`, filled by `join`/`poll`/`send`, read by `reconcile`, released by `cleanup`.
 */
interface ChatRunState {
  readonly plan: ChatLoadPlan;
  readonly N: number;
  readonly S: number;
  readonly t0: number;
  /** Stops every loop: the run's end, an abort condition, or the caller's signal. */
  readonly stop: AbortController;
  /**
   * Per participant, aborted with `stop`: what its polls pass to undici. One signal shared by
   * thousands of requests makes every request's addEventListener walk all the others' listeners
   * (O(N) per request; issue 14's profile: the largest single cost at 1,000 participants).
   */
  readonly pollStops: AbortController[];
  /** Why the run stopped early, or null. */
  aborted: string | null;
  readonly onOuter: () => void;
  readonly counters: Counters;
  readonly statuses: StatusTallies;
  readonly delivery: LatencyRecorder;
  readonly sendLatency: LatencyRecorder;
  readonly stampHeader: string | undefined;
  readonly overhead: LatencyRecorder | null;
  /** streams[participant][sender]: what each participant has seen of each sender's sequence. */
  readonly streams: StreamTracker[][];
  /** Per sender: sequence numbers handed out (acknowledged or failed), the failed ones, the next one. */
  readonly acked: number[];
  readonly failedSends: Set<number>[];
  readonly sentBy: number[];
  attempted: number;
  received: number;
  /** Participants currently in their poll loop, and the most there ever were. */
  polling: number;
  peakPolling: number;
  /** Join stage: who joined, who gave up, retries and timeouts; failed join attempts (left out of the abort rate). */
  readonly joined: boolean[];
  /** How many `joined` are true (read on every poll answer: counting the array there was O(N) per response). */
  joinedN: number;
  joinedOrFailed: number;
  joinFailed: number;
  joinRetried: number;
  joinTimeouts: number;
  joinErrors: number;
  /** How many participants were polling each time a join timed out. */
  readonly pollingAtJoinTimeouts: Set<number>;
  readonly everyoneJoined: Promise<void>;
  allJoined: () => void;
  /** Participant loops (join then poll) and signaling loops: awaited before the result, so no request of this run is in flight when the caller deletes the conversation. */
  readonly loops: Promise<void>[];
  readonly signalingLoops: Promise<void>[];
  /** Set during the drain stage: called once every expected delivery arrived. */
  drained: (() => void) | null;
  progress: NodeJS.Timeout | undefined;
  durationMs: number;
}

const joinedCount = (st: ChatRunState) => st.joinedN;
const expectedDeliveries = (st: ChatRunState) => st.acked.reduce((a, b) => a + b, 0) * joinedCount(st);

/** Stage 1, provision: checks the plan against the caps and sets up the run's state. */
function provision(plan: ChatLoadPlan): ChatRunState {
  const { settings } = plan;
  const N = plan.participants.length;
  const S = plan.senders.length;
  const problems = capProblems({ participants: N, senders: S, ratePerS: settings.ratePerS, durationS: settings.durationS }, plan.overrideCaps ?? false);
  if (problems.length) throw new Error(`runChatLoad: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
  if (N === 0 || S === 0 || settings.ratePerS <= 0) throw new Error(`runChatLoad: needs participants (${N}), senders (${S}) and a rate > 0 (${settings.ratePerS})`);

  const t0 = nowMs();
  const stop = new AbortController();
  // Every participant's pending request and back-off timer listens for the stop (thousands of them).
  setMaxListeners(0, stop.signal);
  const stampHeader = plan.responseStampHeader?.toLowerCase();
  let allJoined: () => void = () => {};
  const everyoneJoined = new Promise<void>((r) => (allJoined = r));
  const st: ChatRunState = {
    plan,
    N,
    S,
    t0,
    stop,
    pollStops: [],
    aborted: null,
    onOuter: () => {
      st.aborted ??= 'interrupted (Ctrl-C or the check ended)';
      stop.abort();
    },
    counters: newCounters(),
    statuses: new StatusTallies(),
    delivery: new LatencyRecorder(t0),
    sendLatency: new LatencyRecorder(t0),
    stampHeader,
    overhead: stampHeader ? new LatencyRecorder(t0) : null,
    streams: Array.from({ length: N }, () => Array.from({ length: S }, () => new StreamTracker())),
    acked: new Array<number>(S).fill(0),
    failedSends: Array.from({ length: S }, () => new Set()),
    sentBy: new Array<number>(S).fill(0),
    attempted: 0,
    received: 0,
    polling: 0,
    peakPolling: 0,
    joined: new Array<boolean>(N).fill(false),
    joinedN: 0,
    joinedOrFailed: 0,
    joinFailed: 0,
    joinRetried: 0,
    joinTimeouts: 0,
    joinErrors: 0,
    pollingAtJoinTimeouts: new Set(),
    everyoneJoined,
    allJoined,
    loops: [],
    signalingLoops: [],
    drained: null,
    progress: undefined,
    durationMs: 0,
  };
  st.allJoined = allJoined;
  stop.signal.addEventListener('abort', () => {
    for (const c of st.pollStops) c.abort();
  });
  if (plan.signal?.aborted) st.onOuter();
  plan.signal?.addEventListener('abort', st.onOuter, { once: true });
  return st;
}

/** A failed request that was sent at `startedMs`: counted, and the run aborted on a throttle or past the error rate. */
function fail(st: ChatRunState, err: unknown, startedMs: number, phase: 'join' | 'run' = 'run'): void {
  if (st.stop.signal.aborted) return;
  const { counters } = st;
  const kind = classifyError(err);
  counters[kind]++;
  st.statuses.record(err, nowMs() - startedMs);
  if (kind === 'throttled') {
    // A guest that is being throttled stops at once: every further request from this address
    // would only lengthen Nextcloud's brute-force delay (or lock real users on a shared NAT out).
    // A 429 from a front (nginx limit_req_status 429) is a refusal: src/load/diagnose.ts tells them apart.
    st.aborted ??= nextcloudThrottled(st.statuses.list())
      ? `Nextcloud throttled the load (HTTP 429, brute-force protection or rate limit) after ${counters.requests} requests: stopped at once. ${THROTTLE_REMEDY}`
      : `the front answered HTTP 429 (a rate limit in front of Nextcloud) after ${counters.requests} requests: stopped at once`;
    st.stop.abort();
    return;
  }
  if (phase === 'join') {
    st.joinErrors++;
    return;
  }
  // Join errors are judged by the join conditions (retried, counted), not by the abort rate.
  const errs = failures(counters) - st.joinErrors;
  const max = st.plan.settings.maxErrorPercent;
  if (counters.requests >= ABORT_MIN_REQUESTS && (errs / counters.requests) * 100 > max) {
    st.aborted ??= `error rate ${((errs / counters.requests) * 100).toFixed(1)} % above the ${max} % threshold after ${counters.requests} requests`;
    st.stop.abort();
  }
}

/**
 * Stage 2, join: participant i waits for its place in the ramp-up, then joins the conversation
 * (a Talk session), retried JOIN_ATTEMPTS times. `stopped`: the run stopped before its turn came.
 */
async function join(st: ChatRunState, i: number): Promise<'joined' | 'failed' | 'stopped'> {
  const { plan, stop, counters } = st;
  const ocs = plan.participants[i]!;
  await sleepUntil(st.t0 + (plan.settings.rampUpS * 1000 * i) / st.N, stop.signal);
  if (stop.signal.aborted) return 'stopped';
  for (let attempt = 1; attempt <= JOIN_ATTEMPTS && !stop.signal.aborted; attempt++) {
    const joinStart = nowMs();
    try {
      counters.requests++;
      // The Talk client joins the conversation (a Talk session) before it polls.
      // `notAfter`, not `signal`: a join already sent is awaited, not aborted (the server would
      // still handle it, possibly after the conversation is deleted); one not sent yet never is.
      await ocs.post(
        `${SPREED}/v4/room/${plan.token}/participants/active`,
        { force: true },
        { notAfter: stop.signal, ...(plan.joinTimeoutMs ? { timeoutMs: plan.joinTimeoutMs } : {}) },
      );
      counters.ok++;
      if (attempt > 1) st.joinRetried++;
      return 'joined';
    } catch (err) {
      const kind = classifyError(err);
      if (kind === 'timeouts') {
        st.joinTimeouts++;
        st.pollingAtJoinTimeouts.add(st.polling);
      }
      // Start-up errors are counted but do not abort the run by rate (only a throttle stops it at once).
      fail(st, err, joinStart, 'join');
      if (kind === 'throttled' || kind === 'otherStatus') break;
      if (attempt < JOIN_ATTEMPTS) await sleepUntil(nowMs() + JOIN_BACKOFF_MS, stop.signal);
    }
  }
  return 'failed';
}

/** Stage 3, poll: participant i long-polls the chat until the run stops, tracking every sender's sequence. */
async function poll(st: ChatRunState, i: number, mine$: AbortSignal): Promise<void> {
  const { plan, stop, counters, stampHeader, overhead, delivery } = st;
  const ocs = plan.participants[i]!;
  st.polling++;
  st.peakPolling = Math.max(st.peakPolling, st.polling);
  let lastKnown = plan.lastKnownMessageId;
  const mine = st.streams[i]!;
  try {
    while (!stop.signal.aborted) {
      counters.requests++;
      const pollStart = nowMs();
      try {
        const res = await ocs.get<{ message: string; messageType: string }[]>(`${SPREED}/v1/chat/${plan.token}`, {
          query: { lookIntoFuture: 1, timeout: plan.pollTimeoutS ?? CHAT_POLL_TIMEOUT_S, lastKnownMessageId: lastKnown, limit: 200, setReadMarker: 0 },
          expect: [200, 304],
          timeoutMs: LONG_POLL_TIMEOUT_MS,
          signal: mine$,
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
          const p = m.messageType === 'comment' ? parseLoadMessage(plan.tag, m.message) : null;
          const stream = p ? mine[p.sender] : undefined;
          if (!p || !stream) continue;
          if (stream.receive(p.seq) === 'new') {
            st.received++;
            delivery.record(at - p.sentAtMs, at);
          }
        }
        if (st.drained && st.received >= expectedDeliveries(st)) st.drained();
        // The next poll goes out once the answers already waiting in this event-loop turn are
        // read: a message reaches every poller within a second, and each re-poll sent first
        // (URL, headers, a socket write) would delay the reading, and so the latency measured,
        // of every answer queued behind it (issue 14: generator overhead p99 at 1,000).
        await yieldToIo();
      } catch (err) {
        fail(st, err, pollStart);
        if (!stop.signal.aborted) await sleepUntil(nowMs() + ERROR_BACKOFF_MS, stop.signal);
      }
    }
  } finally {
    st.polling--;
  }
}

/**
 * SignalingController::pullMessages: the internal signaling long poll a client in a conversation
 * holds too. It finds the participant's Talk session in the PHP session (TalkSession::
 * getSessionForRoom), so it needs the session cookie to stay logged in: the session-cookie
 * clients send `cookie_test` with their login for that (see OcsAuthMode in src/talk/ocs.ts).
 */
async function signalingLoop(st: ChatRunState, ocs: OcsClient, mine$: AbortSignal): Promise<void> {
  const { stop, counters } = st;
  while (!stop.signal.aborted) {
    counters.requests++;
    const started = nowMs();
    try {
      await ocs.get(`${SPREED}/v3/signaling/${st.plan.token}`, { timeoutMs: LONG_POLL_TIMEOUT_MS, signal: mine$ });
      counters.ok++;
    } catch (err) {
      fail(st, err, started);
      if (!stop.signal.aborted) await sleepUntil(nowMs() + ERROR_BACKOFF_MS, stop.signal);
    }
  }
}

/** One participant's life: join (stage 2), then poll (stage 3) with its signaling loop beside. */
async function participant(st: ChatRunState, i: number): Promise<void> {
  const outcome = await join(st, i);
  // Stopped before its turn: neither joined nor failed.
  if (outcome === 'stopped') return;
  if (outcome === 'joined') {
    st.joined[i] = true;
    st.joinedN++;
  } else st.joinFailed++;
  if (++st.joinedOrFailed === st.N) st.allJoined();
  if (outcome === 'failed') return;
  const mine = new AbortController();
  st.pollStops.push(mine);
  if (st.stop.signal.aborted) mine.abort();
  if (st.plan.settings.signaling) st.signalingLoops.push(signalingLoop(st, st.plan.participants[i]!, mine.signal));
  await poll(st, i, mine.signal);
}

/** One message from sender k % S, numbered in that sender's sequence. */
async function sendOne(st: ChatRunState, k: number): Promise<void> {
  const { plan, counters } = st;
  const s = k % st.S;
  const seq = st.sentBy[s]!++;
  st.attempted++;
  const sentAt = nowMs();
  counters.requests++;
  try {
    // `notAfter`: a send already sent is awaited, not aborted (see join).
    await plan.senders[s]!.post(
      `${SPREED}/v1/chat/${plan.token}`,
      { message: formatLoadMessage(plan.tag, s, seq, sentAt) },
      { expect: [201], timeoutMs: SEND_TIMEOUT_MS, notAfter: st.stop.signal },
    );
    counters.ok++;
    st.sendLatency.record(nowMs() - sentAt, nowMs());
  } catch (err) {
    st.failedSends[s]!.add(seq);
    fail(st, err, sentAt);
  } finally {
    st.acked[s] = Math.max(st.acked[s]!, seq + 1);
  }
}

/**
 * Stage 4, send: once everyone joined (or failed to) and had a moment to issue its first poll
 * (so start-up, TLS handshakes and logins, is not measured as delivery latency), the senders
 * post at the fixed total rate for the run's duration.
 */
async function send(st: ChatRunState): Promise<void> {
  const { settings } = st.plan;
  const { stop } = st;
  let joinTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    st.everyoneJoined,
    new Promise((r) => (joinTimer = setTimeout(r, settings.rampUpS * 1000 + SEND_TIMEOUT_MS))),
    new Promise((r) => stop.signal.addEventListener('abort', r, { once: true })),
  ]);
  clearTimeout(joinTimer);
  const sendStart = nowMs() + ERROR_BACKOFF_MS;
  // Nobody to deliver to: nothing is sent (no latency or loss figures for messages never sent).
  const total = joinedCount(st) === 0 && st.joinedOrFailed === st.N ? 0 : Math.round(settings.ratePerS * settings.durationS);
  const sends: Promise<void>[] = [];
  for (let k = 0; k < total && !stop.signal.aborted; k++) {
    await sleepUntil(sendStart + (k * 1000) / settings.ratePerS, stop.signal);
    if (stop.signal.aborted) break;
    sends.push(sendOne(st, k));
  }
  await Promise.all(sends);
}

/** Stage 5, drain: waits (at most drainMs) for the deliveries still expected. */
async function drain(st: ChatRunState): Promise<void> {
  const { stop } = st;
  if (stop.signal.aborted || st.received >= expectedDeliveries(st)) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, st.plan.drainMs ?? DRAIN_MS);
    st.drained = () => {
      clearTimeout(t);
      resolve();
    };
    stop.signal.addEventListener('abort', st.drained, { once: true });
  });
}

/** Stage 6, stop: ends every loop and waits for them (no request of the run in flight afterwards). */
async function stopAll(st: ChatRunState): Promise<void> {
  st.durationMs = nowMs() - st.t0;
  st.stop.abort();
  clearInterval(st.progress);
  await Promise.allSettled(st.loops);
  await Promise.allSettled(st.signalingLoops);
  st.plan.signal?.removeEventListener('abort', st.onOuter);
}

/** Stage 7, reconcile: every joined participant's streams against what the senders had acknowledged. */
function reconcile(st: ChatRunState): ChatLoadResult {
  const { counters } = st;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const [i, row] of st.streams.entries()) {
    // A participant that never joined never polled: its deliveries were never expected.
    if (!st.joined[i]) continue;
    row.forEach((stream, s) => {
      lost += stream.lost(st.acked[s]!, st.failedSends[s]!);
      duplicated += stream.duplicated;
      outOfOrder += stream.outOfOrder;
    });
  }
  const failedCount = st.failedSends.reduce((a, f) => a + f.size, 0);
  const errs = failures(counters);
  const joinedN = joinedCount(st);
  const ceilings = [...st.pollingAtJoinTimeouts];
  return {
    participants: st.N,
    senders: st.S,
    settings: st.plan.settings,
    durationMs: Math.round(st.durationMs),
    aborted: st.aborted,
    sent: { attempted: st.attempted, acknowledged: st.attempted - failedCount, failed: failedCount },
    deliveries: { expected: (st.attempted - failedCount) * joinedN, received: st.received },
    delivery: st.delivery.summary(),
    send: st.sendLatency.summary(),
    lost,
    duplicated,
    outOfOrder,
    counters,
    statuses: st.statuses.list(),
    errorPercent: counters.requests ? Math.round((errs / counters.requests) * 10_000) / 100 : 0,
    timeline: st.delivery.timeline(),
    histogram: st.delivery.histogram(),
    overhead: st.overhead?.summary() ?? null,
    joins: { joined: joinedN, failed: st.joinFailed, retried: st.joinRetried, timeouts: st.joinTimeouts },
    pollCeiling: st.joinTimeouts > 0 && ceilings.length === 1 && ceilings[0]! > 0 && ceilings[0] === st.peakPolling && st.peakPolling < st.N ? st.peakPolling : null,
  };
}

/** Stage 8, cleanup: releases the recorders (the conversation itself is the caller's: LoadResources.cleanup). */
function cleanup(st: ChatRunState): void {
  st.delivery.destroy();
  st.sendLatency.destroy();
  st.overhead?.destroy();
}

/** Progress every PROGRESS_INTERVAL_MS while the run goes on. */
function reportProgress(st: ChatRunState): void {
  st.progress = setInterval(() => {
    st.plan.onProgress?.({
      elapsedS: Math.round((nowMs() - st.t0) / 1000),
      participantsPolling: st.polling,
      participants: st.N,
      sent: st.attempted,
      delivered: st.received,
      p95DeliveryMs: st.delivery.percentileMs(95),
      errors: failures(st.counters),
      counters: { ...st.counters },
    });
  }, PROGRESS_INTERVAL_MS);
}

/**
 * A chat load run in named stages over one explicit state (ChatRunState):
 * provision → join + poll (per participant, concurrently) → send → drain → stop → reconcile → cleanup.
 */
export async function runChatLoad(plan: ChatLoadPlan): Promise<ChatLoadResult> {
  const st = provision(plan);
  reportProgress(st);
  for (let i = 0; i < st.N; i++) st.loops.push(participant(st, i));
  await send(st);
  await drain(st);
  await stopAll(st);
  const result = reconcile(st);
  cleanup(st);
  return result;
}
