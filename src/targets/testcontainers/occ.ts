import { ADMIN_USER, TEST_USERS } from './spec.ts';
import type { PlatformSecrets } from './secrets.ts';

/**
 * What the platform runs through `occ` once Nextcloud is installed, as data (unit-tested): the
 * Talk setup Talk's docs prescribe (spreed docs/occ.md, docs/TURN.md) and the test accounts.
 * Every command is idempotent, so a reused platform can run the list again.
 */

export interface OccCommand {
  /** What it does, for the log. */
  title: string;
  /** Arguments after `php occ`. */
  args: string[];
  /** Environment of the command (e.g. OC_PASS for --password-from-env, so passwords stay out of argv). */
  env?: Record<string, string>;
  /** Output of a failed command that means "already done" on a reused platform. */
  alreadyDone?: RegExp;
}

export interface OccInput {
  url: string;
  /** `host:port` of coturn as the browsers reach it. */
  turnServer: string;
  secrets: PlatformSecrets;
}

export function occCommands(input: OccInput): OccCommand[] {
  const passwords: Record<(typeof TEST_USERS)[number]['key'], string> = {
    alice: input.secrets.alicePassword,
    bob: input.secrets.bobPassword,
  };
  return [
    {
      title: 'MariaDB with 4-byte UTF-8 (Talk requirement: utf8mb4)',
      args: ['config:system:set', 'mysql.utf8mb4', '--type', 'boolean', '--value', 'true'],
    },
    { title: 'URLs generated from the command line', args: ['config:system:set', 'overwrite.cli.url', '--value', input.url] },
    { title: 'https:// URLs behind the TLS proxy', args: ['config:system:set', 'overwriteprotocol', '--value', 'https'] },
    { title: 'Talk from the app store', args: ['app:install', 'spreed'], alreadyDone: /already installed/i },
    { title: 'Talk enabled', args: ['app:enable', 'spreed'] },
    // talk:stun:add and talk:turn:add append; start from empty lists so a reused platform does not
    // collect duplicates, and so that no outside STUN server (Talk's default stun.nextcloud.com) is handed out.
    { title: 'no STUN server but ours', args: ['config:app:set', 'spreed', 'stun_servers', '--value', '[]'] },
    { title: 'no TURN server but ours', args: ['config:app:set', 'spreed', 'turn_servers', '--value', '[]'] },
    { title: 'coturn as STUN server', args: ['talk:stun:add', input.turnServer] },
    {
      title: 'coturn as TURN server: turn: and turns:, UDP and TCP, shared secret',
      args: ['talk:turn:add', '--secret', input.secrets.turnSecret, 'turn,turns', input.turnServer, 'udp,tcp'],
    },
    ...TEST_USERS.map((u) => ({
      title: `test account ${u.user}`,
      args: ['user:add', '--password-from-env', '--display-name', u.displayName, u.user],
      env: { OC_PASS: passwords[u.key] },
      alreadyDone: /already exists/i,
    })),
  ];
}

/** The accounts the certification uses on this platform. */
export function platformAccounts(secrets: PlatformSecrets): {
  user: { user: string; password: string };
  user2: { user: string; password: string };
  admin: { user: string; password: string };
} {
  return {
    user: { user: TEST_USERS[0].user, password: secrets.alicePassword },
    user2: { user: TEST_USERS[1].user, password: secrets.bobPassword },
    admin: { user: ADMIN_USER, password: secrets.adminPassword },
  };
}
