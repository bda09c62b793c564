import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, Credentials, TargetKind } from '../config/index.ts';
import { registerSecret } from '../redact/index.ts';
import { type TargetProbe, probeTarget } from '../talk/probe.ts';
import { TalkError } from '../talk/errors.ts';
import { probeTls, tlsProblems } from '../tls/index.ts';

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
  /**
   * Set when the target's TLS certificate is not valid (another host name, expired, untrusted
   * issuer). Then nothing was sent to the target: `probe` holds no observation (status, user and
   * Talk unknown), https.tls.valid reports the problems as its failure, and every check that needs
   * a valid certificate is not run, citing it (fixtures/target.ts).
   */
  tlsInvalid?: TlsInvalid;
}

export interface TlsInvalid {
  /** What is wrong with the certificate, from src/tls `tlsProblems`. */
  problems: string[];
}

/**
 * Checks that certify something without a valid certificate: https.tls.valid itself (it reports
 * the certificate) and https.http.redirect (plain http://, which sends nothing over TLS). Every
 * other check talks to the target over HTTPS, which clients (browsers, the apps) refuse.
 */
export const TLS_INDEPENDENT_CHECKS: readonly string[] = ['https.tls.valid', 'https.http.redirect'];

/** The not-run reason of a check that needs a valid certificate on a target without one. */
export function tlsNotRunReason(target: Pick<ResolvedTarget, 'url' | 'tlsInvalid'>): string {
  const host = new URL(target.url).host;
  return `not run: the TLS certificate of ${host} is not valid (${target.tlsInvalid?.problems[0] ?? 'see the evidence'}); see https.tls.valid — this check needs HTTPS that browsers and Talk's apps accept`;
}

/**
 * probeTarget, except that a certificate problem is not the end of the run: it is the verdict of
 * https.tls.valid. Nothing is sent over a connection whose certificate did not verify (no status,
 * no credentials): the returned probe is a placeholder and `tlsInvalid` says why.
 */
export async function probeTargetOrTls(url: string, credentials: Credentials | undefined, caFile?: string): Promise<{ probe: TargetProbe; tlsInvalid: TlsInvalid | null }> {
  try {
    return { probe: await probeTarget(url, credentials, caFile), tlsInvalid: null };
  } catch (err) {
    if (!(err instanceof TalkError && err.code === 'TLS') || new URL(url).protocol !== 'https:') throw err;
    const obs = await probeTls(url, caFile);
    const problems = tlsProblems(obs);
    // A rejection the observation cannot explain (e.g. a TLS error only on the HTTP request) stays an error.
    if (problems.length === 0 || obs.connectError) throw err;
    const unknown = 'not established: the TLS certificate is not valid (see https.tls.valid)';
    return {
      probe: {
        url,
        status: { installed: false, maintenance: false, needsDbUpgrade: false, version: '', versionstring: '', productname: 'Nextcloud' },
        user: null,
        talk: { installed: false, version: null, features: [], config: {}, reason: unknown },
        probedAt: new Date().toISOString(),
      },
      tlsInvalid: { problems },
    };
  }
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
  /** Why there is no Talk version: `not installed …`, or not established (invalid TLS). Absent when Talk was found. */
  talkNote?: string | null;
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
        const { probe, tlsInvalid } = await probeTargetOrTls(platform.url, creds(alice), platform.caFile);
        log(
          tlsInvalid
            ? `Reference platform up at ${platform.url}; its TLS certificate is not valid (${tlsInvalid.problems.join('; ')}): reported as https.tls.valid.`
            : `Reference platform up at ${platform.url} (Nextcloud ${probe.status.versionstring}, Talk ${probe.talk.version ?? 'not installed'}).`,
        );
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
            ...(tlsInvalid ? { tlsInvalid } : {}),
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
          referenceControl: null,
          ...(config.turnRestrictedNetwork ? { restrictedTurn: { kind: 'declared' as const } } : {}),
          ...(config.hosts ? { hosts: config.hosts } : {}),
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
