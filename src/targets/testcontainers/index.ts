import path from 'node:path';
import type { Config } from '../../config/index.ts';
import { registerSecret } from '../../redact/index.ts';
import { probeTarget } from '../../talk/probe.ts';
import type { StartedTarget } from '../types.ts';
import { startTestcontainersPlatform } from './platform.ts';

export { ContainerEngineUnavailableError, detectContainerEngine, engineUnavailableMessage, lookForEngine } from './engine.ts';
export { startTestcontainersPlatform } from './platform.ts';

/**
 * TALK_TARGET=testcontainers, as src/targets/index.ts starts it: launch the platform, probe it
 * once as the test user (like every target), hand it over; stop() removes it unless reused.
 */
export async function startTestcontainersTarget(config: Config, log: (line: string) => void): Promise<StartedTarget> {
  const platform = await startTestcontainersPlatform({
    nextcloudVersion: config.testcontainers.nextcloudVersion,
    reuse: config.testcontainers.reuse,
    runId: config.runId,
    workDir: path.join(config.reportDir, '.state', 'testcontainers'),
    log,
  });
  const { user, user2, admin } = platform.accounts;
  for (const c of [user, user2, admin]) registerSecret(c.password);
  try {
    const probe = await probeTarget(platform.url, user, platform.caFile);
    return {
      target: {
        kind: 'testcontainers',
        url: platform.url,
        caFile: platform.caFile,
        profile: null,
        user,
        user2,
        admin,
        runId: config.runId,
        probe,
      },
      stop: () => platform.stop(),
    };
  } catch (err) {
    await platform.stop();
    throw err;
  }
}
