import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU and memory of a process and all its descendants, from /proc (Linux): what `npm run
 * bench:load` reads for the other process (the double, Artillery and its workers). Nothing on npm
 * does this without native code or `ps` polling, and /proc is two reads per process.
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

interface ProcEntry {
  pid: number;
  ppid: number;
  /** utime + stime, seconds. */
  cpuS: number;
}

function readStat(pid: number): ProcEntry | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may contain spaces: split after the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): ppid = field 4, utime = 14, stime = 15.
    return { pid, ppid: Number(rest[1]), cpuS: (Number(rest[11]) + Number(rest[12])) / USER_HZ };
  } catch {
    return null;
  }
}

function rssKB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The process and its descendants right now: summed CPU seconds and RSS. */
export function treeUsage(root: number): { cpuS: number; rssKB: number; processes: number; perProcess: [number, number][] } {
  const all: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const e = readStat(Number(name));
    if (e) all.push(e);
  }
  const children = new Map<number, ProcEntry[]>();
  for (const e of all) children.set(e.ppid, [...(children.get(e.ppid) ?? []), e]);
  const tree: ProcEntry[] = [];
  const rootEntry = all.find((e) => e.pid === root);
  const stack = rootEntry ? [rootEntry] : [];
  while (stack.length) {
    const e = stack.pop()!;
    tree.push(e);
    stack.push(...(children.get(e.pid) ?? []));
  }
  return {
    cpuS: tree.reduce((a, e) => a + e.cpuS, 0),
    rssKB: tree.reduce((a, e) => a + rssKB(e.pid), 0),
    processes: tree.length,
    perProcess: tree.map((e) => [e.pid, e.cpuS]),
  };
}

/** Samples a process tree (or this process) until stopped: peak RSS and CPU over a window. */
export class UsageSampler {
  private timer: NodeJS.Timeout | null = null;
  peakRssKB = 0;
  private windowStart: { cpuS: number; at: number } | null = null;
  private windowEnd: { cpuS: number; at: number } | null = null;

  constructor(private readonly read: () => { cpuS: number; rssKB: number }) {}

  static self(): UsageSampler {
    return new UsageSampler(() => {
      const c = process.cpuUsage();
      return { cpuS: (c.user + c.system) / 1e6, rssKB: Math.round(process.memoryUsage.rss() / 1024) };
    });
  }

  /**
   * One process that has no children (the bench's double): two reads of /proc/<pid> per sample.
   * `tree` lists every process on the machine per sample, synchronously, in the generator's own
   * event loop: a few milliseconds each 250 ms (more on a machine running browsers) that every
   * poll answer arriving meanwhile waits out and that the overhead then counts as the generator's.
   */
  static process(pid: number): UsageSampler {
    return new UsageSampler(() => ({ cpuS: readStat(pid)?.cpuS ?? 0, rssKB: rssKB(pid) }));
  }

  /**
   * A process tree; CPU is cumulative over every process ever seen in it, so a worker that exits
   * during the window keeps its share (summing only the live tree would go backwards).
   */
  static tree(pid: number): UsageSampler {
    const seen = new Map<number, number>();
    return new UsageSampler(() => {
      const t = treeUsage(pid);
      for (const [p, cpuS] of t.perProcess) seen.set(p, Math.max(seen.get(p) ?? 0, cpuS));
      return { cpuS: [...seen.values()].reduce((a, b) => a + b, 0), rssKB: t.rssKB };
    });
  }

  start(intervalMs = 250): this {
    this.timer = setInterval(() => {
      // A sample needs a file descriptor (/proc); at 10,000 sockets the process can be at its
      // `ulimit -n` for a moment: that sample is skipped instead of ending the benchmark.
      let u: { cpuS: number; rssKB: number };
      try {
        u = this.read();
      } catch {
        return;
      }
      if (this.windowStart && !this.windowEnd) this.peakRssKB = Math.max(this.peakRssKB, u.rssKB);
    }, intervalMs);
    this.timer.unref();
    return this;
  }

  /** Opens the measurement window (steady state: everyone polling). */
  open(): void {
    if (this.windowStart) return;
    const u = this.read();
    this.windowStart = { cpuS: u.cpuS, at: performance.now() };
    this.peakRssKB = u.rssKB;
  }

  close(): void {
    if (!this.windowStart || this.windowEnd) return;
    const u = this.read();
    this.peakRssKB = Math.max(this.peakRssKB, u.rssKB);
    this.windowEnd = { cpuS: u.cpuS, at: performance.now() };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.close();
  }

  /** CPU over the window, in percent of one core. */
  get cpuPercent(): number {
    if (!this.windowStart || !this.windowEnd) return 0;
    const wallS = (this.windowEnd.at - this.windowStart.at) / 1000;
    return wallS > 0 ? Math.round(((this.windowEnd.cpuS - this.windowStart.cpuS) / wallS) * 1000) / 10 : 0;
  }

  current(): { cpuS: number; rssKB: number } {
    return this.read();
  }
}

/** Open file descriptors of this process (Linux; NaN elsewhere): a step must give back its sockets before the next one opens N more. */
export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return NaN;
  }
}
