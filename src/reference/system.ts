import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

/** Why the reference platform could not start or stop; `code` is stable, the message says what to do. */
export class ReferencePlatformError extends Error {
  constructor(
    readonly code: 'NEEDS_ROOT' | 'MISSING_TOOL' | 'NO_FREE_INSTANCE' | 'NETWORK' | 'TLS' | 'NGINX' | 'COTURN' | 'DOUBLE' | 'HPB',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReferencePlatformError';
  }
}

/** The programs the platform runs, with the Debian package that has each. */
export const TOOLS = [
  { bin: 'ip', pkg: 'iproute2', why: 'to create a network namespace and a veth pair' },
  { bin: 'nginx', pkg: 'nginx-light (or nginx)', why: 'to serve Nextcloud over TLS with a real MIME configuration' },
  { bin: 'turnserver', pkg: 'coturn', why: 'to run the TURN server Talk hands out' },
  { bin: 'iptables', pkg: 'iptables', why: "to firewall the TURN host's restricted address (only TCP 443, turn.relay.restricted)" },
  { bin: 'openssl', pkg: 'openssl', why: 'to make the instance CA and server certificate' },
] as const;

const resolved = new Map<string, string>();

/** Absolute path of a tool (PATH, then the sbin folders a non-login root shell may lack); the bare name if not found. */
export function tool(bin: string): string {
  if (bin.includes('/')) return bin;
  let full = resolved.get(bin);
  if (!full) {
    full = findExecutable(bin) ?? bin;
    resolved.set(bin, full);
  }
  return full;
}

export function findExecutable(bin: string): string | null {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const dir of dirs) {
    const full = path.join(dir, bin);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return null;
}

/** Fails with what to install or how to run when this machine cannot host a platform. */
export function preflight(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new ReferencePlatformError(
      'NEEDS_ROOT',
      'The reference platform needs root: it creates a network namespace and a veth pair (ip netns, ip link) and runs nginx and coturn inside it. ' +
        'Run as root (e.g. in a container or VM), or certify a running Nextcloud with TALK_URL instead.',
    );
  }
  const missing = TOOLS.filter((t) => !findExecutable(t.bin));
  if (missing.length > 0) {
    throw new ReferencePlatformError(
      'MISSING_TOOL',
      `The reference platform needs ${missing.map((t) => `${t.bin} ${t.why}`).join('; ')}. ` +
        `Install with: apt-get install ${missing.map((t) => t.pkg.split(' ')[0]).join(' ')} (or run scripts/setup.sh).`,
    );
  }
}

/** Runs a command; rejects with its stderr in the message. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(tool(cmd), args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`, { cause: err }));
      else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Synchronous variant for exit handlers (no event loop left); never throws. */
export function runSyncQuiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(tool(cmd), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/**
 * Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22): with the pid it
 * identifies a process for good, so a recycled pid is never mistaken for the one recorded.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count from its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Alive = running and not a zombie (a killed owner that its parent has not reaped yet is dead for us). */
export function isAlive(pid: number, startTime: string | null): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startTime === null || fields[19] === startTime;
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
