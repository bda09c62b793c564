import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { DoubleServer } from './double/server.ts';
import {
  type ChildRecord,
  type InstanceNames,
  type OwnerRecord,
  destroyNetwork,
  destroyNetworkSync,
  instanceDir,
  killInstanceProcessesSync,
  standingAlive,
  standingKeeper,
  writeOwner,
} from './instances.ts';
import { ReferencePlatformError, isAlive, killQuietly, processStartTime } from './system.ts';

/**
 * Instance lifecycle: a running reference instance (its daemons, the Talk double, its owner
 * record), how it stops (every step even when one fails; synchronously on `exit`), and the
 * SIGINT/SIGTERM/exit handlers that stop every instance of this process, so that the platform
 * does not outlive its owner. Started by start.ts.
 */

/** How long stop() waits for a daemon to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3_000;

/** Running instances of this process, for the signal and exit handlers. */
export const active = new Set<Instance>();

export class Instance {
  readonly children: { name: string; proc: ChildProcess; record: ChildRecord }[] = [];
  double: DoubleServer | null = null;
  private stopping: Promise<void> | null = null;
  stopped = false;

  constructor(
    readonly names: InstanceNames,
    readonly workDir: string,
    readonly owner: OwnerRecord,
  ) {}

  recordChild(name: string, proc: ChildProcess): void {
    const record: ChildRecord = { name, pid: proc.pid!, start: processStartTime(proc.pid!) };
    this.children.push({ name, proc, record });
    this.owner.children = this.children.map((c) => c.record);
    writeOwner(this.names.index, this.owner);
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** Every step runs even when an earlier one fails, so a hiccup leaves as little behind as possible. */
  private async doStop(): Promise<void> {
    const errors: string[] = [];
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
      }
    };
    await step('stop the Talk double', () => this.double?.close());
    await step('stop nginx and coturn', () => Promise.all(this.children.map((c) => stopChild(c.proc))));
    await step('kill what is left in the namespace', () => killInstanceProcessesSync({ children: this.children.map((c) => c.record), netns: this.names.netns }));
    // A standing network (TALK_REFERENCE_KEEP_NETWORKS) stays for the next platform: no address
    // goes from the host while other runs' browsers are open.
    if (!this.keepsNetwork()) await step('delete veth and namespace', () => destroyNetwork(this.names));
    await step('remove the work dir', () => rmSync(this.workDir, { recursive: true, force: true }));
    await step('remove the instance dir', () => rmSync(instanceDir(this.names.index), { recursive: true, force: true }));
    this.stopped = true;
    active.delete(this);
    if (active.size === 0) uninstallHandlers();
    if (errors.length > 0) {
      throw new ReferencePlatformError(
        'NETWORK',
        `Stopping reference instance ${this.names.index} left work undone (${errors.join('; ')}); \`tsx src/reference/cli.ts --sweep\` after this process ends removes the rest.`,
      );
    }
  }

  private keepsNetwork(): boolean {
    return standingKeeper() !== null && standingAlive(this.names.index);
  }

  /** For `exit`: no event loop left, so everything synchronous, and nothing may throw. */
  stopSync(): void {
    if (this.stopped) return;
    for (const c of this.children) {
      if (isAlive(c.record.pid, c.record.start)) killQuietly(-c.record.pid, 'SIGKILL');
    }
    killInstanceProcessesSync({ children: this.children.map((c) => c.record), netns: this.names.netns });
    if (!this.keepsNetwork()) destroyNetworkSync(this.names);
    rmSync(this.workDir, { recursive: true, force: true });
    rmSync(instanceDir(this.names.index), { recursive: true, force: true });
    this.stopped = true;
  }
}

/** SIGTERM to the daemon's process group (nginx master + workers), SIGKILL if it lingers. */
async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return;
  const pid = proc.pid;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => killQuietly(-pid, 'SIGKILL'), STOP_GRACE_MS);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    killQuietly(-pid, 'SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C, SIGTERM and exit: the platform must not outlive its owner.

let handlersInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  void Promise.allSettled([...active].map((i) => i.stop())).then(() => {
    uninstallHandlers();
    // Nobody else handles this signal: do what Node would have done without us (exit by it).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const i of active) i.stopSync();
}

export function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
}

function uninstallHandlers(): void {
  if (!handlersInstalled || active.size > 0) return;
  handlersInstalled = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', onExit);
}
