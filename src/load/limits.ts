/**
 * The load engine's defaults, hard caps and pass thresholds, as data in one place (the k6 /
 * autocannon way: declared up front, printed beside the observed value). Every value can be
 * overridden from `.env` through the variable named beside it; the caps can only be raised with
 * TALK_LOAD_OVERRIDE_CAPS=1, so a typo (50000 instead of 500) cannot turn a certification into a
 * denial of service on someone's production server.
 */

export interface LoadSettings {
  /** Logged-in participants, each long-polling the chat as the Talk client does. */
  participants: number;
  /** Participants that also post messages. */
  senders: number;
  /** Messages per second, all senders together. */
  ratePerS: number;
  /** How long the senders send. */
  durationS: number;
  /** Participants join spread over this window instead of all at once. */
  rampUpS: number;
  /** Also hold Talk's internal signaling long poll per participant (what a client in a conversation without HPB does). */
  signaling: boolean;
  /** K: long polls held open while ordinary requests are timed (load.longpoll.no-starvation). */
  pollsHeld: number;
  /** Pass threshold: p95 send→receive delivery latency under load. */
  p95DeliveryMs: number;
  /** Pass and abort threshold: failed requests / requests, in percent. */
  maxErrorPercent: number;
  /** Pass threshold: ordinary requests (status.php, a chat send) while K polls are held. */
  ordinaryRequestMs: number;
  /** Pass threshold: a message posted while K polls are held reaches every poller within this. */
  pollDeliveryMs: number;
}

/**
 * Defaults: a modest load for a real certification (50 participants, 2 messages/s for 30 s after a
 * 5 s ramp-up). 60 messages to 50 participants: 3,000 delivery latencies behind the p95 (150 above
 * it), the same sample as the earlier 1 message/s for 60 s, in half the time (issue 14: the whole
 * certification in under two minutes; this check was its longest at 76 s).
 */
export const LOAD_DEFAULTS: Readonly<LoadSettings> = {
  participants: 50,
  senders: 2,
  ratePerS: 2,
  durationS: 30,
  rampUpS: 5,
  signaling: false,
  pollsHeld: 8,
  // Talk's chat loop checks once a second (ChatManager::waitForNewMessages), so a healthy server
  // delivers within ~1 s; twice that leaves room for a busy database.
  p95DeliveryMs: 2_000,
  maxErrorPercent: 1,
  // An ordinary request (status.php, a chat send) answers in tens of ms on an idle Nextcloud;
  // seconds mean it queued behind the long polls for a PHP worker.
  ordinaryRequestMs: 2_000,
  // One poll loop (1 s) plus a slow send; a starved pool takes until a poll's 30 s timeout frees a worker.
  pollDeliveryMs: 8_000,
};

/** What configuration may set without TALK_LOAD_OVERRIDE_CAPS=1. */
export const LOAD_HARD_CAPS = { participants: 500, senders: 20, ratePerS: 20, durationS: 300, pollsHeld: 64 } as const;
/** Not even the override goes beyond this (one generator process; see `npm run bench:load`). */
export const LOAD_ABSOLUTE_MAX = { participants: 20_000, senders: 200, ratePerS: 500, durationS: 3_600, pollsHeld: 1_000 } as const;

/** The variables behind each setting (schema.ts and .env.example list the same names). */
export const LOAD_ENV = {
  participants: 'TALK_LOAD_PARTICIPANTS',
  senders: 'TALK_LOAD_SENDERS',
  ratePerS: 'TALK_LOAD_RATE',
  durationS: 'TALK_LOAD_DURATION_S',
  rampUpS: 'TALK_LOAD_RAMP_UP_S',
  signaling: 'TALK_LOAD_SIGNALING',
  pollsHeld: 'TALK_LOAD_POLLS_HELD',
  p95DeliveryMs: 'TALK_LOAD_P95_DELIVERY_MS',
  maxErrorPercent: 'TALK_LOAD_MAX_ERROR_PERCENT',
  ordinaryRequestMs: 'TALK_LOAD_ORDINARY_REQUEST_MS',
  pollDeliveryMs: 'TALK_LOAD_POLL_DELIVERY_MS',
} as const satisfies Record<keyof LoadSettings, string>;
export const LOAD_OVERRIDE_ENV = 'TALK_LOAD_OVERRIDE_CAPS';

/** The percentiles every load report lists, defined once. */
export const PERCENTILES = [50, 90, 95, 99] as const;

/** Abort only once this many requests were made: two early failures are not an error rate. */
export const ABORT_MIN_REQUESTS = 50;

/**
 * Checks a settings object against the caps; returns the problems, each naming the variable.
 * Used by the env schema and by the engine (programmatic callers go through the same gate).
 */
export function capProblems(s: Partial<LoadSettings>, override: boolean): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  for (const key of Object.keys(LOAD_HARD_CAPS) as (keyof typeof LOAD_HARD_CAPS)[]) {
    const v = s[key];
    if (v === undefined) continue;
    if (v > LOAD_ABSOLUTE_MAX[key]) {
      problems.push({ variable: LOAD_ENV[key], message: `must be at most ${LOAD_ABSOLUTE_MAX[key]} (absolute limit of one generator), got ${v}` });
    } else if (v > LOAD_HARD_CAPS[key] && !override) {
      problems.push({
        variable: LOAD_ENV[key],
        message: `is ${v}, above the safety cap of ${LOAD_HARD_CAPS[key]}; set ${LOAD_OVERRIDE_ENV}=1 if you really mean to load the server this much`,
      });
    }
  }
  if (s.senders !== undefined && s.participants !== undefined && s.senders > s.participants) {
    problems.push({ variable: LOAD_ENV.senders, message: `must not exceed ${LOAD_ENV.participants} (${s.participants}), got ${s.senders}` });
  }
  return problems;
}

/** The load settings of this run, from the (already validated) environment. */
export function loadSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LoadSettings {
  const num = (key: keyof LoadSettings): number => {
    const raw = env[LOAD_ENV[key]];
    return raw === undefined || raw.trim() === '' ? (LOAD_DEFAULTS[key] as number) : Number(raw);
  };
  const flagOn = (v: string | undefined) => ['1', 'true', 'yes', 'on'].includes((v ?? '').trim().toLowerCase());
  const s: LoadSettings = {
    participants: num('participants'),
    senders: num('senders'),
    ratePerS: num('ratePerS'),
    durationS: num('durationS'),
    rampUpS: num('rampUpS'),
    signaling: flagOn(env[LOAD_ENV.signaling]),
    pollsHeld: num('pollsHeld'),
    p95DeliveryMs: num('p95DeliveryMs'),
    maxErrorPercent: num('maxErrorPercent'),
    ordinaryRequestMs: num('ordinaryRequestMs'),
    pollDeliveryMs: num('pollDeliveryMs'),
  };
  const problems = capProblems(s, flagOn(env[LOAD_OVERRIDE_ENV]));
  for (const [k, v] of Object.entries(s))
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0))
      problems.push({ variable: LOAD_ENV[k as keyof LoadSettings], message: `must be a number >= 0, got ${String(v)}` });
  if (problems.length) throw new Error(`load settings: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
  return s;
}
