import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import type { BrowserName } from '../browsers/names.ts';
import type { ProfileName } from '../reference/profile-names.ts';
import { DEFAULT_UI_PROFILE, type UiProfileName } from '../reference/ui-profiles.ts';
import { DEFAULT_NEXTCLOUD_VERSION } from '../targets/testcontainers/versions.ts';
import { envSchema } from './schema.ts';
import { EXIT_UNUSABLE_INPUT } from '../verdict/outcome.ts';

export { envSchema } from './schema.ts';

export type TargetKind = 'reference' | 'url' | 'testcontainers';

export interface Credentials {
  user: string;
  password: string;
}

export interface Config {
  target: TargetKind;
  /** Nextcloud base URL with a trailing slash; unset for the reference target until it starts. */
  url: string | undefined;
  /** Fault profile of the reference platform. */
  profile: ProfileName;
  /** TALK_REFERENCE_UI: which Talk release's web UI the reference platform shows (default talk22). */
  referenceUi: UiProfileName;
  user: Credentials | undefined;
  user2: Credentials | undefined;
  admin: Credentials | undefined;
  caFile: string | undefined;
  appPath: string | undefined;
  /** Browsers asked for; undefined = the default set (chromium, firefox, webkit). */
  browsers: BrowserName[] | undefined;
  retries: number;
  workers: number;
  /** Absolute path of the output folder (certification report, HTML, Allure, artifacts). */
  reportDir: string;
  runId: string;
  /** The testcontainers target: which Nextcloud image to launch, and whether to keep the platform for the next run. */
  testcontainers: { nextcloudVersion: string; reuse: boolean };
  /** TALK_TURN_RESTRICTED_NETWORK: the operator says this machine's network lets only TCP 443 out (turn.relay.restricted runs). */
  turnRestrictedNetwork: boolean;
  /** TALK_HOSTS: host names of the target this machine's DNS does not serve, with their addresses. */
  hosts: Record<string, string> | undefined;
}

/** Exit code of the CLI for a configuration or usage error (src/verdict/outcome.ts defines every exit code). */
export const EXIT_CONFIG = EXIT_UNUSABLE_INPUT;

/** A configuration the suite cannot run with. Its message names every offending variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Configuration error (fix .env or the environment; see .env.example):\n' + problems.map((p) => `  ${p.variable} ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Reads `.env` from the project folder into process.env, never overriding variables that are
 * already set (CI secrets win over a stray file). Returns whether a file was found.
 */
export function loadDotEnv(cwd = process.cwd()): boolean {
  // Self-tests run the CLI in child processes that must not pick up a developer's own .env.
  if (process.env.TALK_CERTIFY_NO_DOTENV === '1') return false;
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return false;
  dotenv.config({ path: file, quiet: true, override: false });
  return true;
}

/** A run id that is unique enough to tag data on a shared production server: `tc-<yymmdd>-<6 hex>`. */
export function newRunId(now = new Date()): string {
  const d = now.toISOString().slice(2, 10).replaceAll('-', '');
  return `tc-${d}-${randomBytes(3).toString('hex')}`;
}

export function parseConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? 'environment'), message: i.message })));
  }
  const e = parsed.data;
  const target: TargetKind = e.TALK_TARGET ?? (e.TALK_URL ? 'url' : 'reference');
  const creds = (user?: string, password?: string): Credentials | undefined => (user && password ? { user, password } : undefined);
  return {
    target,
    url: e.TALK_URL,
    profile: e.TALK_PROFILE ?? 'good',
    referenceUi: e.TALK_REFERENCE_UI ?? DEFAULT_UI_PROFILE,
    user: creds(e.TALK_USER, e.TALK_PASSWORD),
    user2: creds(e.TALK_USER2, e.TALK_PASSWORD2),
    admin: creds(e.TALK_ADMIN_USER, e.TALK_ADMIN_PASSWORD),
    caFile: e.TALK_CA_FILE ? path.resolve(cwd, e.TALK_CA_FILE) : undefined,
    appPath: e.TALK_APP_PATH,
    browsers: e.TALK_BROWSERS,
    retries: e.TALK_RETRIES,
    workers: e.TALK_WORKERS,
    reportDir: path.resolve(cwd, e.TALK_REPORT_DIR ?? 'reports'),
    runId: e.TALK_RUN_ID ?? newRunId(),
    testcontainers: { nextcloudVersion: e.TALK_NEXTCLOUD_VERSION ?? DEFAULT_NEXTCLOUD_VERSION, reuse: e.TALK_TC_REUSE },
    turnRestrictedNetwork: e.TALK_TURN_RESTRICTED_NETWORK,
    hosts: e.TALK_HOSTS,
  };
}

/** Every secret value of a configuration, for the redactor. */
export function secretsOf(config: Config): string[] {
  return [config.user, config.user2, config.admin].flatMap((c) => (c ? [c.password] : []));
}
