import path from 'node:path';
import type { Config } from '../config/index.ts';
import { registerSecret } from '../redact/index.ts';
import { probeTargetOrTls } from './probe.ts';
import type { StartedTarget } from './types.ts';

/**
 * The reference platform as a target (TALK_TARGET=reference, the default without TALK_URL): starts
 * it (src/reference/index.ts), probes it as the test user like any target, and hands over only
 * what a URL target would carry, plus the two things this platform provides itself: the names of
 * its TURN host (`hosts`, no DNS serves them) and a network that lets only TCP 443 out for
 * turn.relay.restricted (`restrictedTurn`, kind `provided`). Nothing of the platform's own control
 * API crosses this boundary: self-tests that drive the platform start it themselves.
 */
export async function startReferenceTarget(config: Config, log: (line: string) => void): Promise<StartedTarget> {
  const { startReferencePlatform } = await import('../reference/index.ts');
  log(`Starting the reference platform (profile "${config.profile}", UI ${config.referenceUi})…`);
  const platform = await startReferencePlatform({
    profile: config.profile,
    ui: config.referenceUi,
    runId: config.runId,
    workDir: path.join(config.reportDir, '.state', 'reference'),
    log,
  });
  const { alice, bob, admin } = platform.users;
  for (const u of [alice, bob, admin]) registerSecret(u.password);
  registerSecret(platform.turn.secret);
  try {
    const creds = (u: { user: string; password: string }) => ({ user: u.user, password: u.password });
    const { probe, tlsInvalid } = await probeTargetOrTls(platform.url, creds(alice), platform.caFile);
    log(
      tlsInvalid
        ? `Reference platform up at ${platform.url}; its TLS certificate is not valid (${tlsInvalid.problems.join('; ')}): reported as https.tls.valid.`
        : `Reference platform up at ${platform.url} (Nextcloud ${probe.status.versionstring}, Talk ${probe.talk.version ?? 'not installed'}).`,
    );
    const { restricted } = platform.turn;
    // The TURN host's address and the names that resolve to it (not those of turn-unreachable, which go nowhere).
    const replaces = [
      platform.turn.host,
      ...Object.entries(platform.hosts)
        .filter(([, ip]) => ip === platform.turn.host)
        .map(([name]) => name),
    ];
    return {
      target: {
        kind: 'reference',
        url: platform.url,
        caFile: platform.caFile,
        profile: platform.profile,
        user: creds(alice),
        user2: creds(bob),
        admin: creds(admin),
        runId: config.runId,
        probe,
        hosts: platform.hosts,
        ...(tlsInvalid ? { tlsInvalid } : {}),
        restrictedTurn: {
          kind: 'provided',
          label: 'provided by the reference platform',
          how: `the TURN host's second address ${restricted.address} lets only TCP 443 through (firewall rules in the TURN host's namespace); Talk's URLs for ${replaces.join(' / ')} are pointed at it for this check`,
          address: restricted.address,
          replaces,
          rules: restricted.rules,
        },
      },
      stop: () => platform.stop(),
    };
  } catch (err) {
    await platform.stop();
    throw err;
  }
}
