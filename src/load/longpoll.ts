import { TalkError } from '../talk/errors.ts';
import { type HttpClient, LONG_POLL_TIMEOUT_MS } from '../talk/http.ts';
import type { OcsClient } from '../talk/ocs.ts';
import { StatusTallies, type StatusTally } from './diagnose.ts';
import { CHAT_POLL_TIMEOUT_S, type ErrorKind, classifyError, nowMs } from './engine.ts';

const SPREED = 'apps/spreed/api';
/**
 * Real time the K polls get to reach PHP and start waiting before ordinary requests are timed:
 * a request needs a few ms on loopback, a TLS handshake through a proxy well under a second.
 */
export const POLLS_SETTLE_MS = 2_000;
/**
 * An ordinary request (status.php, a chat send) while K polls are held is given this long: long
 * enough to tell "slow" from "queued behind the polls", short enough that a starved pool (which
 * frees a worker only when a poll times out after 30 s) keeps the check bounded.
 */
export const ORDINARY_PROBE_TIMEOUT_MS = 5_000;
/** A poll with timeout=30 is held 30 checks of 1 s; anything much shorter was cut. */
export const MIN_HELD_MS = 28_000;
/** Ordinary requests timed per phase. */
const STATUS_SAMPLES = 3;

export type Timed = { ms: number; error: null } | { ms: number; error: ErrorKind; message: string; status?: number; server?: string };

async function timed(fn: () => Promise<unknown>, tallies?: StatusTallies): Promise<Timed> {
  const t = nowMs();
  try {
    await fn();
    return { ms: Math.round(nowMs() - t), error: null };
  } catch (err) {
    const ms = nowMs() - t;
    tallies?.record(err, ms);
    const d = err instanceof TalkError ? err.details : {};
    return {
      ms: Math.round(ms),
      error: classifyError(err),
      message: err instanceof Error ? err.message : String(err),
      ...(d.status !== undefined ? { status: d.status } : {}),
      ...(d.server ? { server: d.server } : {}),
    };
  }
}

export interface StarvationResult {
  k: number;
  idle: { status: Timed[]; send: Timed };
  held: { status: Timed[]; send: Timed };
  /** Pollers that received the message sent while they were held. */
  delivered: number;
  /** Slowest delivery to a poller, ms after the send started; null when not everyone got it. */
  deliveryMs: number | null;
  pollErrors: Partial<Record<ErrorKind, number>>;
  /** Error answers (of the probes and the held polls, while K polls were held) by HTTP status: tells a refusing front from a starved pool. */
  statuses: StatusTally[];
  /** ms the K pollers needed to log in (one session each) before their polls were sent: not part of the held measurement. */
  loginsMs: number;
  /** How the check ended its polls: all answered, or still open after the bound (and how long it waited for them). */
  drain: { waitedMs: number; stillOpen: number };
}

/**
 * After the check, a poll still open keeps its PHP worker until its timeout even if the client
 * disconnects (PHP notices only when it writes): the check waits for its polls' own answers (304
 * at the timeout), bounded by this much after the last one was sent, so the next check does not
 * start against a pool still full of this one's polls.
 */
export const DRAIN_BOUND_EXTRA_MS = 5_000;

/**
 * K chat long polls held open (each its own session), then ordinary requests timed, then one
 * message posted that must wake every poller. What catches a PHP pool smaller than the number
 * of waiting clients (nextcloud/spreed#2211) and mod_php under a threaded MPM.
 */
export async function probeStarvation(o: {
  http: HttpClient;
  sender: OcsClient;
  pollers: OcsClient[];
  token: string;
  deliveryBoundMs: number;
  tag: string;
  /** The polls' `timeout` (Talk's client: 30); self-tests shorten it. */
  pollTimeoutS?: number;
}): Promise<StarvationResult> {
  const pollTimeoutS = o.pollTimeoutS ?? CHAT_POLL_TIMEOUT_S;
  const { http, sender, pollers, token } = o;
  const held = new StatusTallies();
  let tallies: StatusTallies | undefined;
  const status = () =>
    timed(
      () =>
        http.request('status.php', { timeoutMs: ORDINARY_PROBE_TIMEOUT_MS }).then((r) => {
          if (r.status !== 200)
            throw new TalkError('HTTP_STATUS', `status.php answered ${r.status}`, { status: r.status, ...(r.headers['server'] ? { server: r.headers['server'] } : {}) });
        }),
      tallies,
    );
  let lastId = 0;
  const send = (text: string) =>
    timed(async () => {
      const r = await sender.post<{ id: number }>(`${SPREED}/v1/chat/${token}`, { message: text }, { expect: [201], timeoutMs: ORDINARY_PROBE_TIMEOUT_MS });
      lastId = r.data.id;
    }, tallies);

  const idleStatus: Timed[] = [];
  for (let i = 0; i < STATUS_SAMPLES; i++) idleStatus.push(await status());
  const idleSend = await send(`[${o.tag}] idle`);

  // Every poller logs in (its session) before any poll is sent: the held measurement must not
  // include K password logins (~1 s of CPU each on a real PHP Nextcloud).
  const loginStart = nowMs();
  // A login refused here (a front's limit, a throttle) is not thrown: that poller's poll logs in
  // again and its failure is tallied with the held polls' errors, as before sessions.
  await Promise.allSettled(pollers.map((p) => p.login()));
  const loginsMs = Math.round(nowMs() - loginStart);

  tallies = held;
  const stop = new AbortController();
  /** Set once the measurement is over: no new polls; those open are waited for (drained). */
  let finishing = false;
  const open = new Map<number, number>();
  let lastPollSent = nowMs();
  let pollSeq = 0;
  const pollErrors: Partial<Record<ErrorKind, number>> = {};
  let sendStarted = Number.POSITIVE_INFINITY;
  let delivered = 0;
  let slowest = 0;
  let allIn: () => void = () => {};
  const everyone = new Promise<void>((r) => (allIn = r));
  const polls = pollers.map(async (p) => {
    let lastKnown = lastId;
    while (!stop.signal.aborted && !finishing) {
      const started = nowMs();
      const id = pollSeq++;
      open.set(id, started);
      lastPollSent = started;
      try {
        const r = await p
          .get<{ message: string }[]>(`${SPREED}/v1/chat/${token}`, {
            query: { lookIntoFuture: 1, timeout: pollTimeoutS, lastKnownMessageId: lastKnown, setReadMarker: 0 },
            expect: [200, 304],
            timeoutMs: LONG_POLL_TIMEOUT_MS,
            signal: stop.signal,
          })
          .finally(() => open.delete(id));
        if (r.status === 304) continue;
        lastKnown = Number(r.headers['x-chat-last-given']) || lastKnown;
        if ((r.data ?? []).some((m) => m.message === `[${o.tag}] held`)) {
          slowest = Math.max(slowest, nowMs() - sendStarted);
          if (++delivered === pollers.length) allIn();
          return;
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        held.record(err, nowMs() - started);
        const kind = classifyError(err);
        pollErrors[kind] = (pollErrors[kind] ?? 0) + 1;
        return;
      }
    }
  });

  await new Promise((r) => setTimeout(r, POLLS_SETTLE_MS));
  const heldStatus = await Promise.all(Array.from({ length: STATUS_SAMPLES }, () => status()));
  sendStarted = nowMs();
  const heldSend = await send(`[${o.tag}] held`);
  const remaining = Math.max(0, o.deliveryBoundMs - (nowMs() - sendStarted));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([everyone, new Promise((r) => (timer = setTimeout(r, remaining)))]);
  clearTimeout(timer);
  // Drain: no new polls; the open ones end by themselves at their timeout (or earlier with a
  // message). Aborting them would not free their PHP workers, only hide them from the next check.
  finishing = true;
  const drainStart = nowMs();
  const bound = lastPollSent + pollTimeoutS * 1000 + DRAIN_BOUND_EXTRA_MS - drainStart;
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(polls), new Promise((r) => (drainTimer = setTimeout(r, Math.max(0, bound))))]);
  clearTimeout(drainTimer);
  const stillOpen = open.size;
  const waitedMs = Math.round(nowMs() - drainStart);
  stop.abort();
  await Promise.allSettled(polls);
  return {
    k: pollers.length,
    idle: { status: idleStatus, send: idleSend },
    held: { status: heldStatus, send: heldSend },
    delivered,
    deliveryMs: delivered === pollers.length ? Math.round(slowest) : null,
    pollErrors,
    statuses: held.list(),
    loginsMs,
    drain: { waitedMs, stillOpen },
  };
}

export interface NotCutResult {
  heldMs: number;
  status: number | null;
  error: ErrorKind | null;
  message: string | null;
  via: string | null;
  /** Nextcloud itself refused the poll as throttled (429 with an OCS body or X-Nextcloud-Bruteforce-Throttled). */
  throttledByNextcloud?: boolean;
}

/**
 * One chat poll with timeout=30 in a quiet conversation: held ~30 s, then 304. The poll carries an
 * abort signal, so a load client's cleanup (src/load/provision.ts) aborts it instead of waiting it
 * out: reading the chat changes nothing on the server, and an interrupted run (Ctrl-C) then stops
 * in about a second, not after the poll's 30 s.
 */
export async function probeLongPoll(o: { poller: OcsClient; token: string; lastKnownMessageId: number }): Promise<NotCutResult> {
  const t = nowMs();
  try {
    const r = await o.poller.get(`${SPREED}/v1/chat/${o.token}`, {
      query: { lookIntoFuture: 1, timeout: CHAT_POLL_TIMEOUT_S, lastKnownMessageId: o.lastKnownMessageId, setReadMarker: 0 },
      expect: [200, 304],
      timeoutMs: LONG_POLL_TIMEOUT_MS,
      // Nothing else aborts it: the signal marks the request as one cleanup may abort.
      signal: new AbortController().signal,
    });
    return { heldMs: Math.round(nowMs() - t), status: r.status, error: null, message: null, via: r.headers['server'] ?? null };
  } catch (err) {
    const d = err instanceof TalkError ? err.details : {};
    const throttledByNextcloud = d.status === 429 && Boolean(d.ocs || d.bruteforceThrottled);
    return {
      heldMs: Math.round(nowMs() - t),
      status: d.status ?? null,
      error: classifyError(err),
      message: err instanceof Error ? err.message : String(err),
      via: d.server ?? null,
      throttledByNextcloud,
    };
  }
}
