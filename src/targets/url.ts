import type { Config } from '../config/index.ts';
import { probeTargetOrTls } from './probe.ts';
import type { StartedTarget } from './types.ts';

/**
 * A Nextcloud given by URL (TALK_URL): probed once as the test user; nothing is started, so there
 * is nothing to stop. A restricted network exists only when the operator declares this machine's
 * network so (TALK_TURN_RESTRICTED_NETWORK); host names no DNS serves come from TALK_HOSTS.
 */
export async function startUrlTarget(config: Config, log: (line: string) => void): Promise<StartedTarget> {
  const url = config.url!;
  log(`Probing ${url}…`);
  const { probe, tlsInvalid } = await probeTargetOrTls(url, config.user, config.caFile);
  if (tlsInvalid) log(`The TLS certificate of ${url} is not valid (${tlsInvalid.problems.join('; ')}): reported as https.tls.valid; checks that need it will not run.`);
  return {
    target: {
      kind: 'url',
      ...(tlsInvalid ? { tlsInvalid } : {}),
      url,
      caFile: config.caFile,
      profile: null,
      user: config.user,
      user2: config.user2,
      admin: config.admin,
      runId: config.runId,
      probe,
      ...(config.turnRestrictedNetwork ? { restrictedTurn: { kind: 'declared' as const } } : {}),
      ...(config.hosts ? { hosts: config.hosts } : {}),
    },
    stop: async () => {},
  };
}
