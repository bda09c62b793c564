import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { STANDING_DIR, createStandingNetworks, instanceNames, removeStandingNetworks } from '../../../src/reference/instances.ts';
import { startReferencePlatform, sweepStaleInstances } from '../../../src/reference/index.ts';
import { NOT_ROOT, NOT_ROOT_REASON, WORK_DIR, execFileP, netnsList } from './helpers.ts';

/**
 * Standing networks (src/reference/instances.ts), which let the `faults` project run
 * certifications side by side: with TALK_REFERENCE_KEEP_NETWORKS a platform takes a network made
 * beforehand and leaves it standing, reset, for the next one, and nothing appears or goes on the
 * host meanwhile (what would abort another run's browser requests: net::ERR_NETWORK_CHANGED).
 * Without a live keeper, a standing network is debris for the next sweep.
 */
test.skip(NOT_ROOT, NOT_ROOT_REASON);
test.describe.configure({ mode: 'serial' });

const workDir = path.join(WORK_DIR, `standing-${randomBytes(3).toString('hex')}`);
test.afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** `ip monitor` of the host's addresses and links: every change while it runs. */
async function watchHost(): Promise<{ events: string[]; stop: () => void }> {
  const events: string[] = [];
  const monitor: ChildProcess = spawn('ip', ['-o', 'monitor', 'address', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
  monitor.stdout!.on('data', (d: Buffer) => events.push(...d.toString().split('\n').filter(Boolean)));
  await new Promise((r) => setTimeout(r, 300));
  return { events, stop: () => monitor.kill() };
}

const inNamespace = async (index: number, ...args: string[]) => (await execFileP('ip', ['netns', 'exec', instanceNames(index).netns, ...args])).stdout;

test('a keeping platform reuses a standing network, reset, and the host sees no address or link change', async () => {
  const [index] = await createStandingNetworks(1, process.pid);
  expect(index, 'a standing network was made').toBeDefined();
  process.env.TALK_REFERENCE_KEEP_NETWORKS = String(process.pid);
  const host = await watchHost();
  try {
    // turn-blocked adds a policy rule; the restricted address gets its firewall rules at every start.
    const blocked = await startReferencePlatform({ profile: 'turn-blocked', runId: 'tc-selftest-standing-a', workDir });
    expect(blocked.index).toBe(index);
    expect(await inNamespace(index!, 'ip', 'rule', 'list')).toMatch(/lookup 100/);
    await blocked.stop();
    expect(await netnsList(), 'the network stands after its platform stopped').toContain(`tcref${index}`);

    const good = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-standing-b', workDir });
    expect(good.index).toBe(index);
    expect(await inNamespace(index!, 'ip', 'rule', 'list'), "turn-blocked's rule is gone").not.toMatch(/lookup 100/);
    const drops = (await inNamespace(index!, 'iptables', '-w', '-S', 'INPUT')).split('\n').filter((l) => l.includes('-j DROP'));
    expect(drops, "the restricted address's rules, once").toHaveLength(1);
    await good.stop();
  } finally {
    host.stop();
    delete process.env.TALK_REFERENCE_KEEP_NETWORKS;
  }
  expect(host.events, 'address and link changes on the host while two platforms came and went').toEqual([]);
  expect(await removeStandingNetworks(process.pid)).toEqual([index]);
  expect(await netnsList()).not.toContain(`tcref${index}`);
});

test('a platform that does not keep networks leaves standing ones alone; a standing network whose keeper is gone is swept', async () => {
  const keeper = spawn('sleep', ['60']);
  const [index] = await createStandingNetworks(1, keeper.pid!);
  try {
    const plain = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-standing-c', workDir });
    expect(plain.index, "another instance number than the keeper's network").not.toBe(index);
    await plain.stop();
    expect(await netnsList()).toContain(`tcref${index}`);
    expect(await netnsList()).not.toContain(`tcref${plain.index}`);
  } finally {
    keeper.kill('SIGKILL');
    await new Promise((r) => keeper.once('exit', r));
  }
  await sweepStaleInstances();
  expect(await netnsList(), 'swept once its keeper is gone').not.toContain(`tcref${index}`);
  expect(existsSync(path.join(STANDING_DIR, `${index}.json`))).toBe(false);
});
