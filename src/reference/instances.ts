import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReferencePlatformError, isAlive, killQuietly, processStartTime, run, runSyncQuiet, tool } from './system.ts';

/**
 * Instances and their network. Each platform instance N (0..199) owns, on this machine:
 *   /run/talk-certify/instances/<N>/owner.json   who owns it, created first with an atomic mkdir
 *   network namespace tcref<N>
 *   veth tcr<N>h (host, 10.213.N.1/24) <-> tcr<N>n (namespace, 10.213.N.2/24 web, 10.213.N.3/24 TURN)
 *   nginx and coturn inside the namespace, the double on 10.213.N.1
 * Loopback is no use: browsers treat http://127.x as a secure context and WebRTC ignores
 * loopback candidates, so a certification against it would prove nothing.
 * Stop order is the reverse: processes, veth, namespace, then the directory, so a directory
 * without a namespace never exists the other way round and sweeping can trust the directory.
 *
 * Standing networks (the self-tests only): with TALK_REFERENCE_KEEP_NETWORKS=<pid of a live
 * keeper process>, a platform leaves its instance's network standing when it stops and the next
 * platform of that instance number reuses it (reset to what createNetwork made). Chromium aborts
 * every request in flight when an address appears on the host (net::ERR_NETWORK_CHANGED), so
 * certifications can run side by side only on networks that all exist before any of their browsers
 * start. /run/talk-certify/standing/<N>.json names the keeper; when it is gone, any sweep removes
 * the network like other debris. A certification (npm run certify) never keeps one.
 */

export const INSTANCES_DIR = '/run/talk-certify/instances';
export const STANDING_DIR = '/run/talk-certify/standing';
export const MAX_INSTANCES = 200;
/** A directory this young without owner.json is an instance being created, not debris. */
const CLAIM_GRACE_MS = 60_000;

export interface InstanceNames {
  index: number;
  netns: string;
  hostVeth: string;
  nsVeth: string;
  /** 10.213.N.1: host side, where the double listens. */
  hostIp: string;
  /** 10.213.N.2: nginx. */
  webIp: string;
  /** 10.213.N.3: coturn. */
  turnIp: string;
  /**
   * 10.213.N.5: a second address of the coturn host behind a firewall that lets only TCP 443
   * through (the restrictive network of turn.relay.restricted, see firewall.ts).
   */
  turnRestrictedIp: string;
}

export function instanceNames(index: number): InstanceNames {
  return {
    index,
    netns: `tcref${index}`,
    hostVeth: `tcr${index}h`,
    nsVeth: `tcr${index}n`,
    hostIp: `10.213.${index}.1`,
    webIp: `10.213.${index}.2`,
    turnIp: `10.213.${index}.3`,
    turnRestrictedIp: `10.213.${index}.5`,
  };
}

export interface ChildRecord {
  name: string;
  pid: number;
  start: string | null;
}

export interface OwnerRecord {
  pid: number;
  /** /proc start time of the owner, so a recycled pid does not keep a dead owner's instance alive. */
  pidStart: string | null;
  runId: string;
  profile: string;
  netns: string;
  hostVeth: string;
  workDir: string;
  children: ChildRecord[];
  createdAt: string;
}

export function instanceDir(index: number): string {
  return path.join(INSTANCES_DIR, String(index));
}

export function writeOwner(index: number, record: OwnerRecord): void {
  const dir = instanceDir(index);
  const tmp = path.join(dir, `owner.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(record, null, 2));
  renameSync(tmp, path.join(dir, 'owner.json'));
}

function readOwner(index: number): OwnerRecord | null {
  try {
    return JSON.parse(readFileSync(path.join(instanceDir(index), 'owner.json'), 'utf8')) as OwnerRecord;
  } catch {
    return null;
  }
}

/** Subnets 10.213.N.0/24 that some interface other than ours (tcr<N>h) uses: never touch those. */
async function foreignSubnets(): Promise<Set<number>> {
  const out = await run('ip', ['-o', '-4', 'addr', 'show']);
  const taken = new Set<number>();
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+10\.213\.(\d+)\.\d+\//.exec(line);
    if (m && m[1]!.replace(/@.*/, '') !== `tcr${m[2]}h`) taken.add(Number(m[2]));
  }
  return taken;
}

/** Claims the lowest free instance number with an atomic mkdir and records the owner. */
export async function claimInstance(record: Omit<OwnerRecord, 'netns' | 'hostVeth' | 'children' | 'createdAt' | 'pid' | 'pidStart'>): Promise<InstanceNames> {
  mkdirSync(INSTANCES_DIR, { recursive: true });
  const foreign = await foreignSubnets();
  // A keeping platform takes a standing network first; others leave standing ones to their keeper.
  const keeping = standingKeeper() !== null;
  const numbers = [...Array(MAX_INSTANCES).keys()];
  const order = keeping ? [...numbers.filter(standingAlive), ...numbers.filter((i) => !standingAlive(i))] : numbers.filter((i) => !standingAlive(i));
  for (const i of order) {
    if (foreign.has(i)) continue;
    try {
      mkdirSync(instanceDir(i));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    const names = instanceNames(i);
    writeOwner(i, {
      ...record,
      pid: process.pid,
      pidStart: processStartTime(process.pid),
      netns: names.netns,
      hostVeth: names.hostVeth,
      children: [],
      createdAt: new Date().toISOString(),
    });
    return names;
  }
  throw new ReferencePlatformError(
    'NO_FREE_INSTANCE',
    `All ${MAX_INSTANCES} reference platform instances in ${INSTANCES_DIR} are in use. Stop running platforms, or remove stale ones with \`tsx src/reference/cli.ts --sweep\`.`,
  );
}

/**
 * Creates namespace, veth pair, addresses and routes of an instance; with a standing network of a
 * live keeper in place (TALK_REFERENCE_KEEP_NETWORKS), resets and reuses it instead.
 */
export async function createNetwork(n: InstanceNames): Promise<void> {
  const keeper = standingKeeper();
  if (keeper && standingAlive(n.index) && (await networkIntact(n))) {
    await resetNetwork(n);
    return;
  }
  await buildNetwork(n);
  if (keeper) writeStanding(n.index, keeper);
}

async function buildNetwork(n: InstanceNames): Promise<void> {
  const ip = (...args: string[]) => run('ip', args);
  try {
    // Debris with our name and number can only be ours (the number is claimed): clear it.
    if (existsSync(`/run/netns/${n.netns}`)) await ip('netns', 'del', n.netns).catch(() => '');
    await ip('link', 'del', n.hostVeth).catch(() => '');
    await ip('netns', 'add', n.netns);
    await ip('link', 'add', n.hostVeth, 'type', 'veth', 'peer', 'name', n.nsVeth, 'netns', n.netns);
    // No IPv6 link-local address on the host end: the kernel would add one about 1.5 s after the
    // link comes up (when duplicate address detection ends), and Chromium takes every address
    // change of the host as a network change, aborting the requests in flight of a browser that
    // started in that window (net::ERR_NETWORK_CHANGED). The platform speaks IPv4 only.
    await ip('link', 'set', 'dev', n.hostVeth, 'addrgenmode', 'none');
    await ip('addr', 'add', `${n.hostIp}/24`, 'dev', n.hostVeth);
    await ip('link', 'set', n.hostVeth, 'up');
    await ip('-n', n.netns, 'addr', 'add', `${n.webIp}/24`, 'dev', n.nsVeth);
    await ip('-n', n.netns, 'addr', 'add', `${n.turnIp}/24`, 'dev', n.nsVeth);
    await ip('-n', n.netns, 'addr', 'add', `${n.turnRestrictedIp}/24`, 'dev', n.nsVeth);
    await ip('-n', n.netns, 'link', 'set', n.nsVeth, 'up');
    await ip('-n', n.netns, 'link', 'set', 'lo', 'up');
    await ip('-n', n.netns, 'route', 'add', 'default', 'via', n.hostIp);
  } catch (err) {
    throw new ReferencePlatformError(
      'NETWORK',
      `Could not create the network namespace ${n.netns} (${(err as Error).message}). It needs root and iproute2 with network namespace support: ` +
        'run as root (in a container: --privileged or CAP_NET_ADMIN + CAP_SYS_ADMIN) / apt-get install iproute2.',
      { cause: err },
    );
  }
}

/** Routing table of the turn-blocked fault (any free number; the namespace has only main and local). */
const TURN_BLOCK_TABLE = '100';

interface StandingRecord {
  keeperPid: number;
  /** /proc start time of the keeper, so a recycled pid does not keep a network standing. */
  keeperStart: string | null;
  createdAt: string;
}

/** The keeper of this process's standing networks (TALK_REFERENCE_KEEP_NETWORKS), or null when networks go with their platform. */
export function standingKeeper(): { pid: number; start: string | null } | null {
  const value = process.env.TALK_REFERENCE_KEEP_NETWORKS;
  if (!value) return null;
  const pid = Number(value);
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new ReferencePlatformError('NETWORK', `TALK_REFERENCE_KEEP_NETWORKS must be the pid of the process that keeps the networks standing, not "${value}"`);
  }
  return { pid, start: processStartTime(pid) };
}

/** Instance numbers with a standing record, whatever its keeper. */
function standingIndexes(): number[] {
  if (!existsSync(STANDING_DIR)) return [];
  return readdirSync(STANDING_DIR).flatMap((entry) => {
    const m = /^(\d+)\.json$/.exec(entry);
    return m ? [Number(m[1])] : [];
  });
}

const standingFile = (index: number) => path.join(STANDING_DIR, `${index}.json`);

function readStanding(index: number): StandingRecord | null {
  try {
    return JSON.parse(readFileSync(standingFile(index), 'utf8')) as StandingRecord;
  } catch {
    return null;
  }
}

/** Whether instance `index` has a standing network whose keeper is alive. */
export function standingAlive(index: number): boolean {
  const r = readStanding(index);
  return r !== null && isAlive(r.keeperPid, r.keeperStart);
}

function writeStanding(index: number, keeper: { pid: number; start: string | null }): void {
  mkdirSync(STANDING_DIR, { recursive: true });
  const record: StandingRecord = { keeperPid: keeper.pid, keeperStart: keeper.start, createdAt: new Date().toISOString() };
  const tmp = path.join(STANDING_DIR, `${index}.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(record, null, 2));
  renameSync(tmp, standingFile(index));
}

/** Whether the network of an instance is there as buildNetwork made it. */
async function networkIntact(n: InstanceNames): Promise<boolean> {
  if (!existsSync(`/run/netns/${n.netns}`)) return false;
  const host = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', n.hostVeth]).catch(() => '');
  const inside = await run('ip', ['-n', n.netns, '-o', '-4', 'addr', 'show', 'dev', n.nsVeth]).catch(() => '');
  return host.includes(` ${n.hostIp}/24 `) && [n.webIp, n.turnIp, n.turnRestrictedIp].every((a) => inside.includes(` ${a}/24 `));
}

/**
 * What a platform added to its network, undone before the next one uses it: the turn-blocked
 * rule and its table, the restricted address's firewall rules (added again at every start). The
 * processes in the namespace were killed when the platform stopped.
 */
async function resetNetwork(n: InstanceNames): Promise<void> {
  const inNs = (...args: string[]) => run('ip', ['-n', n.netns, ...args]);
  while (
    await inNs('rule', 'del', 'from', n.turnIp, 'lookup', TURN_BLOCK_TABLE).then(
      () => true,
      () => false,
    )
  );
  await inNs('route', 'flush', 'table', TURN_BLOCK_TABLE).catch(() => '');
  await run('ip', ['netns', 'exec', n.netns, tool('iptables'), '-w', '-F', 'INPUT']);
}

/**
 * Builds `count` standing networks kept by `keeperPid`, before any browser of the runs that will
 * use them starts: afterwards no address appears on the host while they run side by side.
 * Instance numbers in use or taken by another interface are left out. Returns the numbers.
 */
export async function createStandingNetworks(count: number, keeperPid: number): Promise<number[]> {
  const keeper = { pid: keeperPid, start: processStartTime(keeperPid) };
  const foreign = await foreignSubnets();
  const made: number[] = [];
  for (let i = 0; i < MAX_INSTANCES && made.length < count; i++) {
    if (foreign.has(i) || existsSync(instanceDir(i))) continue;
    const n = instanceNames(i);
    if (!(standingAlive(i) && (await networkIntact(n)))) await buildNetwork(n);
    writeStanding(i, keeper);
    made.push(i);
  }
  return made;
}

/** Removes the standing networks `keeperPid` keeps (those of a platform still running go when it stops). */
export async function removeStandingNetworks(keeperPid: number): Promise<number[]> {
  const removed: number[] = [];
  for (const index of standingIndexes()) {
    if (readStanding(index)?.keeperPid !== keeperPid) continue;
    rmSync(standingFile(index), { force: true });
    if (!existsSync(instanceDir(index))) await destroyNetwork(instanceNames(index));
    removed.push(index);
  }
  return removed;
}

/**
 * The turn-blocked fault: everything coturn sends from the TURN address to outside the namespace
 * is dropped (a policy rule sends it to a table with only a blackhole route), so clients' TURN
 * and STUN requests reach coturn but no answer ever comes back — like a firewall that lets
 * nothing through to the TURN server. Traffic inside the namespace (local table first) is
 * untouched; the rule goes with the namespace.
 */
export async function blockTurnForClients(n: InstanceNames): Promise<void> {
  const ip = (...args: string[]) => run('ip', ['-n', n.netns, ...args]);
  await ip('route', 'add', 'blackhole', 'default', 'table', TURN_BLOCK_TABLE);
  await ip('rule', 'add', 'from', n.turnIp, 'lookup', TURN_BLOCK_TABLE);
}

/** Removes veth and namespace (the peer end goes with either). Safe to repeat. */
export function destroyNetworkSync(n: Pick<InstanceNames, 'netns' | 'hostVeth'>): void {
  runSyncQuiet('ip', ['link', 'del', n.hostVeth]);
  runSyncQuiet('ip', ['netns', 'del', n.netns]);
}

export async function destroyNetwork(n: Pick<InstanceNames, 'netns' | 'hostVeth'>): Promise<void> {
  await run('ip', ['link', 'del', n.hostVeth]).catch(() => '');
  await run('ip', ['netns', 'del', n.netns]).catch(() => '');
}

/** Every process inside the namespace (`ip netns pids`): after the owner died these are all ours. */
function pidsInNamespace(netns: string): number[] {
  return runSyncQuiet('ip', ['netns', 'pids', netns])
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((p) => Number.isInteger(p) && p > 0);
}

/** Kills an instance's processes (recorded ones still alive with the recorded start time, and whatever runs in its namespace). */
export function killInstanceProcessesSync(record: Pick<OwnerRecord, 'children' | 'netns'>): void {
  for (const c of record.children) if (isAlive(c.pid, c.start)) killQuietly(c.pid, 'SIGKILL');
  for (const pid of pidsInNamespace(record.netns)) killQuietly(pid, 'SIGKILL');
}

/**
 * Removes instances whose owner is gone (killed with SIGKILL, crashed) and namespaces or veths
 * named like ours that no instance directory claims. Returns what it removed, one line each.
 */
export async function sweepStaleInstances(log: (line: string) => void = () => {}): Promise<string[]> {
  const removed: string[] = [];
  if (existsSync(INSTANCES_DIR)) {
    for (const entry of readdirSync(INSTANCES_DIR)) {
      const index = Number(entry);
      if (!Number.isInteger(index) || index < 0 || index >= MAX_INSTANCES) continue;
      const owner = readOwner(index);
      if (owner && isAlive(owner.pid, owner.pidStart)) continue;
      if (!owner) {
        let age = Number.POSITIVE_INFINITY;
        try {
          age = Date.now() - statSync(instanceDir(index)).mtimeMs;
        } catch {
          continue;
        }
        if (age < CLAIM_GRACE_MS) continue;
      }
      const names = instanceNames(index);
      killInstanceProcessesSync({ children: owner?.children ?? [], netns: names.netns });
      if (!standingAlive(index)) await destroyNetwork(names);
      if (owner?.workDir) rmSync(owner.workDir, { recursive: true, force: true });
      rmSync(instanceDir(index), { recursive: true, force: true });
      const line = `removed stale reference instance ${index} (owner pid ${owner?.pid ?? 'unknown'}, run ${owner?.runId ?? 'unknown'})`;
      removed.push(line);
      log(line);
    }
  }
  // Standing networks whose keeper is gone: their records go, their networks with the orphans below.
  for (const index of standingIndexes()) if (!standingAlive(index)) rmSync(standingFile(index), { force: true });
  // Namespaces and host veths named like ours without an instance directory: leftovers of an
  // instance whose directory is gone (the directory is created before and removed after them),
  // unless they stand for a live keeper.
  const claimed = (i: number) => existsSync(instanceDir(i)) || standingAlive(i);
  for (const ns of runSyncQuiet('ip', ['netns', 'list']).split('\n')) {
    const m = /^tcref(\d+)\b/.exec(ns.trim());
    if (!m || claimed(Number(m[1]))) continue;
    killInstanceProcessesSync({ children: [], netns: `tcref${m[1]}` });
    await run('ip', ['netns', 'del', `tcref${m[1]}`]).catch(() => '');
    const line = `removed orphan network namespace tcref${m[1]}`;
    removed.push(line);
    log(line);
  }
  for (const l of runSyncQuiet('ip', ['-o', 'link', 'show']).split('\n')) {
    const m = /^\d+:\s+tcr(\d+)h[@:]/.exec(l);
    if (!m || claimed(Number(m[1]))) continue;
    await run('ip', ['link', 'del', `tcr${m[1]}h`]).catch(() => '');
    const line = `removed orphan veth tcr${m[1]}h`;
    removed.push(line);
    log(line);
  }
  return removed;
}
