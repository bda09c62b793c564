import path from 'node:path';
import { type Browser, test as base, chromium } from '@playwright/test';
import { detectBrowser } from '../../../src/browsers/detect.ts';
import { request } from 'undici';
import { type ReferencePlatform, startReferencePlatform } from '../../../src/reference/index.ts';
import { Client, WORK_DIR } from '../reference/helpers.ts';

/**
 * One reference platform (profile `good`) per worker, handed to each test freshly reset — the
 * pattern of Playwright's own tests (`tests/config/testserver`: a worker-scoped server, `reset()`
 * before every test) instead of a `beforeAll` per file. Tests that take `platform` do not depend
 * on each other: each starts from the platform's start state (its three users, no rooms, no
 * sessions, no messages, counters at 0; `POST /__reference/reset` on the double's direct
 * listener, src/reference/double/server.ts), and each gets its own clients and conversation.
 *
 * A test whose profile is not `good`, or that must watch a platform start or stop, starts its own
 * with startReferencePlatform.
 */
export interface PlatformFixtures {
  /** The worker's platform, reset to its start state. */
  platform: ReferencePlatform;
  /** Clients with the platform's CA; closed after the test. */
  alice: Client;
  bob: Client;
  anon: Client;
  /** A group conversation alice created for this test, with bob added: its token. */
  conversation: string;
}

export interface WorkerFixtures {
  /** The worker's reference platform (profile good); tests take `platform`, which is reset first. */
  workerPlatform: ReferencePlatform;
  /** Chromium as the suite detects it (src/browsers/detect.ts), launched once per worker; null when not installed (skip with CHROMIUM_MISSING). */
  chromiumBrowser: Browser | null;
}

/** The skip reason of a test that needs `chromiumBrowser` when it is null. */
export const CHROMIUM_MISSING = 'Chromium is not installed (src/browsers/detect.ts found none): run scripts/setup.sh';

export const test = base.extend<PlatformFixtures, WorkerFixtures>({
  chromiumBrowser: [
    async ({}, use) => {
      const d = detectBrowser('chromium');
      const browser = d.launch ? await chromium.launch({ ...(d.launch.executablePath ? { executablePath: d.launch.executablePath } : {}), args: d.launch.args ?? [] }) : null;
      try {
        await use(browser);
      } finally {
        await browser?.close();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  workerPlatform: [
    async ({}, use, workerInfo) => {
      const platform = await startReferencePlatform({
        profile: 'good',
        runId: `tc-selftest-w${workerInfo.workerIndex}`,
        workDir: path.join(WORK_DIR, `worker-${workerInfo.workerIndex}`),
      });
      try {
        await use(platform);
      } finally {
        await platform.stop();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  platform: async ({ workerPlatform }, use) => {
    await resetPlatform(workerPlatform);
    await use(workerPlatform);
  },
  alice: async ({ platform }, use) => clientFor(platform, platform.users.alice, use),
  bob: async ({ platform }, use) => clientFor(platform, platform.users.bob, use),
  anon: async ({ platform }, use) => clientFor(platform, null, use),
  conversation: async ({ alice }, use) => {
    const created = await alice.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: 'tc-selftest room' } });
    if (created.status !== 201) throw new Error(`creating the test conversation: HTTP ${created.status} ${created.text.slice(0, 200)}`);
    const token = created.json().ocs.data.token as string;
    const added = await alice.ocs('POST', `apps/spreed/api/v4/room/${token}/participants`, { form: { newParticipant: 'bob', source: 'users' } });
    if (added.status !== 200) throw new Error(`adding bob to the test conversation: HTTP ${added.status}`);
    await use(token);
  },
});

export { expect } from '@playwright/test';

async function clientFor(platform: ReferencePlatform, user: ReferencePlatform['users']['alice'] | null, use: (c: Client) => Promise<void>): Promise<void> {
  const client = Client.for(platform, user);
  try {
    await use(client);
  } finally {
    await client.close();
  }
}

/** Back to the start state; returns the double's counts after the reset. */
export async function resetPlatform(platform: ReferencePlatform): Promise<Record<string, number>> {
  const res = await request(`${platform.control.url}__reference/reset`, { method: 'POST', headers: { 'x-reference-control': platform.control.token } });
  if (res.statusCode !== 200) throw new Error(`resetting the reference platform: HTTP ${res.statusCode}`);
  return (await res.body.json()) as Record<string, number>;
}
