import hdr from 'hdr-histogram-js';
import { PERCENTILES } from './limits.ts';

/**
 * Latency recording on an HdrHistogram (hdr-histogram-js, the JS port of Gil Tene's
 * HdrHistogram that autocannon uses). Values are recorded in microseconds so the generator's own
 * sub-millisecond overhead stays visible; reports are in milliseconds.
 */

/** One hour in µs: anything slower is a timeout, not a latency. */
const HIGHEST_TRACKABLE_US = 3_600_000_000;
/** 3 significant digits: 0.1 % resolution, what HdrHistogram users (wrk2, autocannon) report. */
const SIGNIFICANT_DIGITS = 3;
/** Buckets of the histogram chart, in ms (upper bounds; the last bucket is open). */
export const CHART_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000] as const;

export interface LatencySummary {
  count: number;
  /** `p50`, `p90`, … in ms (PERCENTILES). */
  percentilesMs: Record<string, number>;
  minMs: number;
  meanMs: number;
  maxMs: number;
}

function newHistogram(digits = SIGNIFICANT_DIGITS): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: digits as 3,
    useWebAssembly: false,
    // Plain 32-bit counts, not 'packed': a packed count is found through an index walk on every
    // record and percentile read, and the progress line's p95 (once a second, synchronously in
    // the event loop that parses poll answers) walks thousands of them (~10,000 for a p95 near
    // 1 s; issue 14's profile: hdr-histogram 6 % of busy CPU). A 3-digit histogram holds 23,552
    // counts (92 KB), a 2-digit one 3,328 (13 KB).
    bitBucketSize: 32,
  });
}

const round = (us: number) => Math.round(us) / 1000;

export class LatencyRecorder {
  private readonly h = newHistogram();
  /** Per-second series for the latency-over-time chart (coarser: 2 digits). */
  private readonly perSecond = new Map<number, hdr.Histogram>();
  readonly buckets = new Array<number>(CHART_BUCKETS_MS.length + 1).fill(0);

  constructor(private readonly t0Ms: number) {}

  /** Records one latency observed at `atMs` (epoch ms). */
  record(latencyMs: number, atMs: number): void {
    const us = Math.max(1, Math.min(HIGHEST_TRACKABLE_US, Math.round(latencyMs * 1000)));
    this.h.recordValue(us);
    const sec = Math.max(0, Math.floor((atMs - this.t0Ms) / 1000));
    let s = this.perSecond.get(sec);
    if (!s) this.perSecond.set(sec, (s = newHistogram(2)));
    s.recordValue(us);
    let i = CHART_BUCKETS_MS.findIndex((b) => latencyMs <= b);
    if (i < 0) i = CHART_BUCKETS_MS.length;
    this.buckets[i]!++;
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentileMs(p: number): number {
    return this.h.totalCount ? round(this.h.getValueAtPercentile(p)) : 0;
  }

  summary(): LatencySummary {
    const percentilesMs: Record<string, number> = {};
    for (const p of PERCENTILES) percentilesMs[`p${p}`] = this.percentileMs(p);
    const n = this.h.totalCount;
    return { count: n, percentilesMs, minMs: n ? round(this.h.minNonZeroValue) : 0, meanMs: n ? round(this.h.mean) : 0, maxMs: n ? round(this.h.maxValue) : 0 };
  }

  /** Per second since start: count, p50, p95, max (ms). */
  timeline(): { s: number; count: number; p50: number; p95: number; max: number }[] {
    return [...this.perSecond.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, h]) => ({ s, count: h.totalCount, p50: round(h.getValueAtPercentile(50)), p95: round(h.getValueAtPercentile(95)), max: round(h.maxValue) }));
  }

  histogram(): { leMs: number | null; count: number }[] {
    return this.buckets.map((count, i) => ({ leMs: CHART_BUCKETS_MS[i] ?? null, count }));
  }

  destroy(): void {
    this.h.destroy();
    for (const s of this.perSecond.values()) s.destroy();
  }
}

/** Request outcomes, counted separately (autocannon: errors, timeouts, non-2xx; plus Nextcloud's 429). */
export interface Counters {
  requests: number;
  ok: number;
  /** 304 Not Modified: a chat poll that timed out empty, as it should. */
  notModified: number;
  timeouts: number;
  /** 429: Nextcloud's brute-force protection or rate limit. */
  throttled: number;
  http5xx: number;
  /** Other unexpected statuses (4xx but 429). */
  otherStatus: number;
  /** Connection reset or closed by the server or a proxy mid-request. */
  resets: number;
  /** Other network errors (refused, DNS, TLS). */
  networkErrors: number;
}

export function newCounters(): Counters {
  return { requests: 0, ok: 0, notModified: 0, timeouts: 0, throttled: 0, http5xx: 0, otherStatus: 0, resets: 0, networkErrors: 0 };
}

export function failures(c: Counters): number {
  return c.timeouts + c.throttled + c.http5xx + c.otherStatus + c.resets + c.networkErrors;
}
