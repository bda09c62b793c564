import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { parseConfig } from '../../../src/config/index.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';
import { startTestcontainersTarget } from '../../../src/targets/testcontainers/index.ts';
import { engineStatus } from './engine-status.ts';

/**
 * The real platform, where a container engine runs (CI runners with Docker; not this
 * development machine, which has only the docker client). Pulls the images, installs Nextcloud
 * and Talk from the app store: minutes, and it needs the internet.
 */
const PLATFORM_RUN_TIMEOUT_MS = 900_000;

test('the testcontainers platform comes up with Talk, TURN configured through occ, and is removed at stop', async () => {
  const status = await engineStatus();
  if (!status.available) process.stdout.write(`[testcontainers integration] skipped: no container engine on this machine: ${status.detail}\n`);
  test.skip(!status.available, `no container engine on this machine: ${status.detail}`);
  test.setTimeout(PLATFORM_RUN_TIMEOUT_MS);

  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'tc-selftest-platform-'));
  const config = parseConfig({ TALK_TARGET: 'testcontainers', TALK_REPORT_DIR: reportDir, TALK_NEXTCLOUD_VERSION: process.env.TALK_NEXTCLOUD_VERSION ?? '' });
  const lines: string[] = [];
  const started = await startTestcontainersTarget(config, (l) => lines.push(l));
  try {
    const { target } = started;
    expect(target.kind).toBe('testcontainers');
    expect(target.url).toMatch(/^https:\/\//);
    expect(target.probe.status.installed).toBe(true);
    expect(target.probe.status.version.split('.')[0]).toBe(config.testcontainers.nextcloudVersion.split('.')[0]);
    expect(target.probe.talk.installed, target.probe.talk.reason ?? '').toBe(true);
    expect(target.probe.user?.id).toBe('alice');

    // Talk hands out exactly our coturn, with HMAC credentials (Talk's signaling settings, as the admin).
    const http = new HttpClient(target.url, { caFile: target.caFile });
    try {
      const ocs = new OcsClient(http, target.admin);
      const room = await ocs.post<{ token: string }>('apps/spreed/api/v4/room', { roomType: 3, roomName: 'talk-certify selftest' });
      const settings = await ocs.get<{ turnservers: { urls: string[]; username: string; credential: string }[]; stunservers: { urls: string[] }[] }>(
        `apps/spreed/api/v3/signaling/settings?token=${room.data.token}`,
      );
      const turnUrls = settings.data.turnservers.flatMap((t) => t.urls);
      expect(
        turnUrls.some((u) => /^turns?:[\d.]+:443\?transport=udp$/.test(u)),
        turnUrls.join(' '),
      ).toBe(true);
      expect(
        turnUrls.some((u) => /^turns:[\d.]+:443\?transport=tcp$/.test(u)),
        turnUrls.join(' '),
      ).toBe(true);
      expect(settings.data.stunservers[0]?.urls).toEqual([expect.stringMatching(/^stun:[\d.]+:443$/)]);
    } finally {
      await http.close();
    }
    expect(lines.join('\n')).not.toContain(target.admin!.password);
  } finally {
    await started.stop();
    rmSync(reportDir, { recursive: true, force: true });
  }
});
