import { expect, test } from '@playwright/test';
import { occCommands, platformAccounts } from '../../../src/targets/testcontainers/occ.ts';
import { generateSecrets } from '../../../src/targets/testcontainers/secrets.ts';

const secrets = generateSecrets();
const commands = occCommands({ url: 'https://localhost:40443/', turnServer: '172.18.0.5:443', secrets });
const argv = commands.map((c) => c.args.join(' '));

test('Talk is installed from the app store and enabled', () => {
  const install = commands.findIndex((c) => c.args.join(' ') === 'app:install spreed');
  expect(install).toBeGreaterThanOrEqual(0);
  expect(commands[install]!.alreadyDone?.test('spreed already installed')).toBe(true);
  expect(argv).toContain('app:enable spreed');
});

test('coturn is added as Talk documents it: talk:turn:add --secret … turn,turns <host>:443 udp,tcp, and as STUN server', () => {
  expect(argv).toContain(`talk:turn:add --secret ${secrets.turnSecret} turn,turns 172.18.0.5:443 udp,tcp`);
  expect(argv).toContain('talk:stun:add 172.18.0.5:443');
  // Both lists are emptied first: talk:*:add appends, and a reused platform would collect duplicates.
  const reset = argv.indexOf('config:app:set spreed turn_servers --value []');
  expect(reset).toBeGreaterThanOrEqual(0);
  expect(reset).toBeLessThan(argv.findIndex((a) => a.startsWith('talk:turn:add')));
  expect(argv.indexOf('config:app:set spreed stun_servers --value []')).toBeLessThan(argv.indexOf('talk:stun:add 172.18.0.5:443'));
});

test("MariaDB's 4-byte UTF-8 is switched on, and URLs are https behind the proxy", () => {
  expect(argv).toContain('config:system:set mysql.utf8mb4 --type boolean --value true');
  expect(argv).toContain('config:system:set overwrite.cli.url --value https://localhost:40443/');
  expect(argv).toContain('config:system:set overwriteprotocol --value https');
});

test('the test accounts are created with passwords from the environment, never on the command line', () => {
  const users = commands.filter((c) => c.args[0] === 'user:add');
  expect(users.map((c) => c.args.at(-1))).toEqual(['alice', 'bob']);
  expect(users.map((c) => c.env?.OC_PASS)).toEqual([secrets.alicePassword, secrets.bobPassword]);
  for (const c of users) {
    expect(c.args).toContain('--password-from-env');
    expect(c.alreadyDone?.test('The account "alice" already exists.')).toBe(true);
  }
  for (const password of [secrets.alicePassword, secrets.bobPassword, secrets.adminPassword, secrets.dbPassword]) {
    expect(argv.join('\n')).not.toContain(password);
  }
  expect(platformAccounts(secrets)).toEqual({
    user: { user: 'alice', password: secrets.alicePassword },
    user2: { user: 'bob', password: secrets.bobPassword },
    admin: { user: 'admin', password: secrets.adminPassword },
  });
});

test('every command is safe to run again on a reused platform', () => {
  // Commands that fail when repeated say which output means "already done"; the others are set/enable operations.
  for (const c of commands) {
    const idempotent = /^(config:system:set|config:app:set|app:enable|talk:(turn|stun):add)$/.test(c.args[0]!) || c.alreadyDone !== undefined;
    expect(idempotent, c.args.join(' ')).toBe(true);
  }
});
