import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { registerSecret } from '../redact/index.ts';
import { TalkError } from '../talk/errors.ts';
import type { ResolvedTarget, StartedTarget, TargetState } from './types.ts';

/**
 * Starting a target and handing it to the workers. The target types are in ./types.ts; each kind
 * of target has its adapter (./url.ts, ./reference.ts, ./testcontainers/), chosen here.
 */
export type { ResolvedTarget, RestrictedNetwork, StartedTarget, TargetState, TlsInvalid } from './types.ts';
export { probeTargetOrTls } from './probe.ts';

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

/** Global setup hands the resolved target to the workers through this variable (workers inherit the main process's env). */
export const RESOLVED_ENV = 'TALK_CERTIFY_RESOLVED';

export function stateFilePath(reportDir: string): string {
  return path.join(reportDir, '.state', 'target.json');
}

export function writeTargetState(reportDir: string, state: TargetState): void {
  const file = stateFilePath(reportDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

export class TargetUnavailableError extends Error {
  readonly code = 'TARGET_UNAVAILABLE';
}

export async function startTarget(config: Config, log: (line: string) => void): Promise<StartedTarget> {
  switch (config.target) {
    case 'reference':
      return (await import('./reference.ts')).startReferenceTarget(config, log);
    case 'url':
      return (await import('./url.ts')).startUrlTarget(config, log);
    case 'testcontainers':
      return (await import('./testcontainers/index.ts')).startTestcontainersTarget(config, log);
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
