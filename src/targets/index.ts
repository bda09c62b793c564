import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, Credentials, TargetKind } from '../config/index.ts';
import { registerSecret } from '../redact/index.ts';
import { type TargetProbe, probeTarget } from '../talk/probe.ts';
import { TalkError } from '../talk/errors.ts';

/**
 * A target is where the certification runs: any Nextcloud by URL, the built-in reference
 * platform, or (issue #8) a testcontainers-launched platform. Everything specific to one kind
 * of target lives here; checks only see a ResolvedTarget.
 */
export interface ResolvedTarget {
  kind: TargetKind;
  url: string;
  caFile: string | undefined;
  /** Fault profile, for the reference platform. */
  profile: string | null;
  user: Credentials | undefined;
  user2: Credentials | undefined;
  admin: Credentials | undefined;
  runId: string;
  probe: TargetProbe;
  /** Only for the reference platform: its control endpoint for self-tests. */
  referenceControl: { url: string; token: string } | null;
  /**
   * Host names the target's URLs use that no DNS serves, with their addresses (the reference
   * platform's TURN name); browsers are launched to resolve them so (src/browsers/trust.ts).
   */
  hosts?: Record<string, string>;
  /**
   * The restrictive network of turn.relay.restricted. Reference platform: a TURN address behind
   * firewall rules that let only TCP 443 through, standing in for the TURN hosts of Talk's URLs.
   * Other targets: `declared` when the operator says this machine's network is restricted
   * (TALK_TURN_RESTRICTED_NETWORK), so Talk's URLs are used as they are.
   */
  restrictedTurn?: { kind: 'simulated'; address: string; replaces: string[]; rules: string[] } | { kind: 'declared' };
}

/** Global setup hands the resolved target to the workers through this variable (workers inherit the main process's env). */
export const RESOLVED_ENV = 'TALK_CERTIFY_RESOLVED';

/** Secret-free summary for the reporter, written by global setup. */
export interface TargetState {
  kind: string;
  url: string;
  profile: string | null;
  nextcloudVersion: string | null;
  talkVersion: string | null;
  runId: string;
  error?: { code: string; message: string };
}

export function stateFilePath(reportDir: string): string {
  return path.join(reportDir, '.state', 'target.json');
}

export function writeTargetState(reportDir: string, state: TargetState): void {
  const file = stateFilePath(reportDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

export interface StartedTarget {
  target: ResolvedTarget;
  stop(): Promise<void>;
}

export class TargetUnavailableError extends Error {
  readonly code = 'TARGET_UNAVAILABLE';
}

export async function startTarget(config: Config, log: (line: string) => void): Promise<StartedTarget> {
  switch (config.target) {
    case 'reference': {
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
        const probe = await probeTarget(platform.url, creds(alice), platform.caFile);
        log(`Reference platform up at ${platform.url} (Nextcloud ${probe.status.versionstring}, Talk ${probe.talk.version ?? 'not installed'}).`);
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
            referenceControl: platform.control,
            hosts: platform.hosts,
            restrictedTurn: {
              kind: 'simulated',
              address: platform.turn.restricted.address,
              // The TURN host's address and the names that resolve to it (not those of turn-unreachable, which go nowhere).
              replaces: [platform.turn.host, ...Object.entries(platform.hosts).filter(([, ip]) => ip === platform.turn.host).map(([name]) => name)],
              rules: platform.turn.restricted.rules,
            },
          },
          stop: () => platform.stop(),
        };
      } catch (err) {
        await platform.stop();
        throw err;
      }
    }
    case 'url': {
      const url = config.url!;
      log(`Probing ${url}…`);
      const probe = await probeTarget(url, config.user, config.caFile);
      return {
        target: {
          kind: 'url',
          url,
          caFile: config.caFile,
          profile: null,
          user: config.user,
          user2: config.user2,
          admin: config.admin,
          runId: config.runId,
          probe,
          referenceControl: null,
          ...(config.turnRestrictedNetwork ? { restrictedTurn: { kind: 'declared' as const } } : {}),
        },
        stop: async () => {},
      };
    }
    case 'testcontainers': {
      const { startTestcontainersTarget } = await import('./testcontainers/index.ts');
      return startTestcontainersTarget(config, log);
    }
  }
}

/** The target as the workers see it. */
export function readResolvedTarget(env: NodeJS.ProcessEnv = process.env): ResolvedTarget {
  const raw = env[RESOLVED_ENV];
  if (!raw) {
    throw new Error(`${RESOLVED_ENV} is not set: the certification's global setup did not run. Run the suite through playwright.config.ts (npm run certify).`);
  }
  const target = JSON.parse(raw) as ResolvedTarget;
  for (const c of [target.user, target.user2, target.admin]) registerSecret(c?.password);
  return target;
}

export function errorCode(err: unknown): string {
  if (err instanceof TalkError) return err.code;
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return 'SETUP_FAILED';
}
