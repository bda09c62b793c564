import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The ledger: every object the suite creates on a target, written to disk the moment it is
 * created (and again when it is deleted), one JSON line per event, one file per run. A run that
 * dies (Ctrl-C, SIGKILL, a crashed worker) leaves its ledger behind; the next run, or
 * `npm run certify -- --sweep`, deletes exactly what the ledger says is still there.
 * Nothing is ever deleted by name pattern: only by ledger entry.
 * Secrets never go in the ledger: the sweeper uses the configured credentials.
 */

export type LedgerKind = 'conversation' | 'user';

export interface LedgerEntry {
  /**
   * `intent` is written before the request that creates the object (write-ahead): a run killed
   * while that request is in flight leaves an intent without `created`, and the sweeper finds
   * the object by the exact name the intent recorded.
   */
  op: 'intent' | 'created' | 'deleted';
  kind: LedgerKind;
  /** Conversation token or user id; for an intent, the exact name (conversation) or id (user) it will have. */
  id: string;
  /** On `created`: the intent it fulfils. */
  intent?: string;
  /** The Nextcloud base URL it lives on. */
  target: string;
  /** The account that can delete it (conversation owner; admin for users). */
  owner: string;
  runId: string;
  /** Process that wrote the entry, to tell a live run from a dead one. */
  pid: number;
  at: string;
}

export interface PendingObject {
  kind: LedgerKind;
  /** Token or user id; for an unfulfilled intent (`byName`), the exact name recorded before creation. */
  id: string;
  byName: boolean;
  target: string;
  owner: string;
  runId: string;
  file: string;
}

export function ledgerDir(reportDir: string): string {
  return path.join(reportDir, '.state', 'ledger');
}

/** Appends events for one run; each line is fsync'ed so a SIGKILL right after `created` keeps it. */
export class Ledger {
  readonly file: string;

  constructor(
    readonly dir: string,
    readonly runId: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${runId}.jsonl`);
  }

  /** Before the creating request: the exact (run-unique) name or id the object will have. */
  intent(kind: LedgerKind, key: string, target: string, owner: string): void {
    this.append({ op: 'intent', kind, id: key, target, owner });
  }

  created(kind: LedgerKind, id: string, target: string, owner: string, intent?: string): void {
    this.append({ op: 'created', kind, id, target, owner, ...(intent !== undefined ? { intent } : {}) });
  }

  deleted(kind: LedgerKind, id: string, target: string, owner: string): void {
    this.append({ op: 'deleted', kind, id, target, owner });
  }

  private append(e: Omit<LedgerEntry, 'runId' | 'pid' | 'at'>): void {
    const line = `${JSON.stringify({ ...e, runId: this.runId, pid: process.pid, at: new Date().toISOString() } satisfies LedgerEntry)}\n`;
    // Workers of one run append to the same file; O_APPEND writes of one short line are atomic.
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function readEntries(file: string): LedgerEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LedgerEntry];
      } catch {
        // A line cut by a crash mid-write: the object it describes was not created yet.
        return [];
      }
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed worker whose parent died too stays a zombie until an init process reaps it (many
  // containers have none): kill(pid, 0) still succeeds, but the process is dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    // No /proc (not Linux): trust kill(pid, 0).
  }
  return true;
}

/**
 * Objects created and not deleted, from every ledger in `dir` except runs that are still alive
 * (any writer process still running) and except `exceptRunId` (the current run).
 */
export function pendingObjects(dir: string, exceptRunId?: string): PendingObject[] {
  if (!existsSync(dir)) return [];
  const out: PendingObject[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    const file = path.join(dir, name);
    const entries = readEntries(file);
    if (entries.length === 0) continue;
    const runId = entries[0]!.runId;
    if (runId === exceptRunId) continue;
    if (entries.some((e) => e.pid !== process.pid && alive(e.pid))) continue;
    const open = new Map<string, LedgerEntry>();
    const intents = new Map<string, LedgerEntry>();
    for (const e of entries) {
      const key = `${e.kind}\u0000${e.target}\u0000${e.id}`;
      if (e.op === 'intent') intents.set(key, e);
      else if (e.op === 'created') {
        open.set(key, e);
        if (e.intent !== undefined) intents.delete(`${e.kind}\u0000${e.target}\u0000${e.intent}`);
      } else {
        open.delete(key);
        intents.delete(key);
      }
    }
    for (const e of open.values()) out.push({ kind: e.kind, id: e.id, byName: false, target: e.target, owner: e.owner, runId: e.runId, file });
    for (const e of intents.values()) out.push({ kind: e.kind, id: e.id, byName: e.kind === 'conversation', target: e.target, owner: e.owner, runId: e.runId, file });
  }
  return out;
}

/** Marks a ledger file as fully swept: renamed to `.swept`, kept for the record. */
export function closeLedger(file: string): void {
  if (existsSync(file)) renameSync(file, file.replace(/\.jsonl$/, '.swept'));
}

/** Records a deletion done by the sweeper into the dead run's own ledger. */
export function recordSwept(o: PendingObject): void {
  appendFileSync(
    o.file,
    `${JSON.stringify({ op: 'deleted', kind: o.kind, id: o.id, target: o.target, owner: o.owner, runId: o.runId, pid: process.pid, at: new Date().toISOString() } satisfies LedgerEntry)}\n`,
  );
}
