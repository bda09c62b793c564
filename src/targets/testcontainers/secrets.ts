import { randomBytes } from 'node:crypto';
import { registerSecret } from '../../redact/index.ts';

/**
 * Every secret of a launched platform, generated per run (or per reused platform) and registered
 * with the redactor before anything can print it. Never written to a report.
 */
export interface PlatformSecrets {
  dbRootPassword: string;
  dbPassword: string;
  adminPassword: string;
  alicePassword: string;
  bobPassword: string;
  /** coturn's static-auth-secret, the same value Talk gets with talk:turn:add --secret. */
  turnSecret: string;
}

/** 32 random bytes: hex for the TURN secret as Talk's docs generate it (`openssl rand -hex 32`), base64url for passwords. */
export function generateSecrets(random: (n: number) => Buffer = randomBytes): PlatformSecrets {
  const password = () => random(24).toString('base64url');
  return {
    dbRootPassword: password(),
    dbPassword: password(),
    adminPassword: password(),
    alicePassword: password(),
    bobPassword: password(),
    turnSecret: random(32).toString('hex'),
  };
}

export function registerPlatformSecrets(secrets: PlatformSecrets): void {
  for (const value of Object.values(secrets)) registerSecret(value);
}

export function isPlatformSecrets(value: unknown): value is PlatformSecrets {
  if (!value || typeof value !== 'object') return false;
  const keys: (keyof PlatformSecrets)[] = ['dbRootPassword', 'dbPassword', 'adminPassword', 'alicePassword', 'bobPassword', 'turnSecret'];
  return keys.every((k) => typeof (value as Record<string, unknown>)[k] === 'string' && ((value as Record<string, string>)[k] ?? '').length >= 16);
}
