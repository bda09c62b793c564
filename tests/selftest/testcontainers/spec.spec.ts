import { expect, test } from '@playwright/test';
import { generateSecrets } from '../../../src/targets/testcontainers/secrets.ts';
import { type ContainerSpec, LABELS, type PlatformInput, certificateNames, platformSpec, platformUrl } from '../../../src/targets/testcontainers/spec.ts';
import { fillTemplate } from '../../../src/targets/testcontainers/render.ts';
import { IMAGES, SUPPORTED_NEXTCLOUD_MAJORS, expectedTalkMajor, nextcloudImage } from '../../../src/targets/testcontainers/versions.ts';

/** What the testcontainers target generates, checked without a container engine. */

const secrets = generateSecrets();
const input = (over: Partial<PlatformInput> = {}): PlatformInput => ({
  nextcloudVersion: '32',
  platformKey: 'tc-251125-abcdef',
  reuse: false,
  secrets,
  tls: { certPem: '-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n', keyPem: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n' },
  publicHost: 'localhost',
  ports: { https: 40443, http: 40080 },
  ...over,
});

function container(role: ContainerSpec['role'], over: Partial<PlatformInput> = {}): ContainerSpec {
  const c = platformSpec(input(over)).containers.find((x) => x.role === role);
  if (!c) throw new Error(`no ${role} container`);
  return c;
}

function file(c: ContainerSpec, target: string): string {
  const f = c.files.find((x) => x.target === target);
  if (!f) throw new Error(`${c.role} has no file ${target}; files: ${c.files.map((x) => x.target).join(', ')}`);
  return f.content;
}

/** `key=value` / bare `key` lines of a coturn configuration, comments dropped. */
function coturnSettings(conf: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of conf
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))) {
    const [k, ...v] = line.split('=');
    out.set(k!, v.join('='));
  }
  return out;
}

test('the containers start in dependency order: database, Nextcloud, TLS proxy, coturn', () => {
  expect(platformSpec(input()).containers.map((c) => c.role)).toEqual(['db', 'nextcloud', 'proxy', 'turn']);
});

test('every image has a pinned tag, and Nextcloud follows TALK_NEXTCLOUD_VERSION on the official Apache image', () => {
  for (const c of platformSpec(input()).containers) expect(c.image, c.role).toMatch(/^[\w./-]+:[\w.-]+$/);
  expect(container('nextcloud').image).toBe('nextcloud:32-apache');
  expect(container('nextcloud', { nextcloudVersion: '30' }).image).toBe('nextcloud:30-apache');
  expect(container('nextcloud', { nextcloudVersion: '31.0.9' }).image).toBe('nextcloud:31.0.9-apache');
  expect(() => nextcloudImage('29')).toThrow(/not supported .*\(supported majors: 30, 31, 32;/);
  expect(SUPPORTED_NEXTCLOUD_MAJORS).toEqual(['30', '31', '32']);
  expect(expectedTalkMajor('32.0.1')).toBe('22');
  expect(IMAGES.mariadb).toMatch(/^mariadb:/);
  expect(IMAGES.turn).toMatch(/^coturn\/coturn:/);
});

test("MariaDB runs with utf8mb4 as the server character set (Talk requirement) and Nextcloud's recommended isolation", () => {
  const db = container('db');
  expect(db.command).toEqual(
    expect.arrayContaining(['--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci', '--transaction-isolation=READ-COMMITTED', '--binlog-format=ROW']),
  );
  expect(db.env).toMatchObject({ MARIADB_DATABASE: 'nextcloud', MARIADB_USER: 'nextcloud', MARIADB_PASSWORD: secrets.dbPassword, MARIADB_ROOT_PASSWORD: secrets.dbRootPassword });
  expect(db.wait).toEqual({ kind: 'health' });
  expect(db.healthCheck?.test).toEqual(['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized']);
  expect(db.exposedPorts).toEqual([]);
});

test('Nextcloud installs itself against MariaDB, trusts the proxy and generates https URLs', () => {
  const nc = container('nextcloud');
  expect(nc.env).toMatchObject({
    MYSQL_HOST: 'db',
    MYSQL_DATABASE: 'nextcloud',
    MYSQL_USER: 'nextcloud',
    MYSQL_PASSWORD: secrets.dbPassword,
    NEXTCLOUD_ADMIN_USER: 'admin',
    NEXTCLOUD_ADMIN_PASSWORD: secrets.adminPassword,
    OVERWRITEPROTOCOL: 'https',
    OVERWRITECLIURL: 'https://localhost:40443',
  });
  expect(nc.env.NEXTCLOUD_TRUSTED_DOMAINS!.split(' ')).toEqual(expect.arrayContaining(['localhost', 'proxy']));
  expect(nc.env.TRUSTED_PROXIES).toContain('172.16.0.0/12');
  // Nothing of Nextcloud is published: it is reached through the TLS proxy only.
  expect(nc.exposedPorts).toEqual([]);
  expect(nc.networkAliases).toEqual(['nextcloud']);
  expect(nc.wait).toMatchObject({ kind: 'log' });
});

test("the proxy terminates TLS with the suite's certificate, redirects HTTP, sends HSTS and outlasts Talk's long polls", () => {
  const proxy = container('proxy');
  expect(proxy.exposedPorts).toEqual([
    { container: 443, host: 40443, protocol: 'tcp' },
    { container: 80, host: 40080, protocol: 'tcp' },
  ]);
  expect(file(proxy, '/etc/nginx/tls/server.crt')).toContain('BEGIN CERTIFICATE');
  expect(proxy.files.find((f) => f.target === '/etc/nginx/tls/server.key')?.mode).toBe(0o600);
  const conf = file(proxy, '/etc/nginx/conf.d/default.conf');
  expect(conf).not.toMatch(/\{\{/);
  expect(conf).toMatch(/listen 443 ssl;/);
  expect(conf).toContain('ssl_certificate     /etc/nginx/tls/server.crt;');
  expect(conf).toContain('return 301 https://$host:40443$request_uri;');
  const hsts = /Strict-Transport-Security "max-age=(\d+)/.exec(conf);
  expect(Number(hsts?.[1])).toBeGreaterThanOrEqual(180 * 86_400);
  expect(conf).toContain('proxy_pass http://nextcloud:80;');
  expect(conf).toContain('proxy_set_header X-Forwarded-Proto https;');
  const readTimeout = Number(/proxy_read_timeout (\d+)s;/.exec(conf)?.[1]);
  expect(readTimeout, 'longer than the 30 s chat/signaling long poll').toBeGreaterThan(30);
});

test('coturn is configured as Talk documents it: shared secret, port 443 for turn and turns, fingerprint, realm', () => {
  const turn = container('turn');
  const spec = platformSpec(input());
  const settings = coturnSettings(file(turn, '/etc/coturn/turnserver.conf'));
  expect(settings.get('listening-port')).toBe('443');
  expect(settings.get('static-auth-secret')).toBe(secrets.turnSecret);
  expect(secrets.turnSecret).toMatch(/^[0-9a-f]{64}$/);
  for (const key of ['use-auth-secret', 'fingerprint', 'stale-nonce', 'no-multicast-peers']) expect(settings.has(key), key).toBe(true);
  expect(settings.get('realm')).toBe(spec.realm);
  expect(settings.get('total-quota')).toBe('0');
  expect(settings.get('bps-capacity')).toBe('0');
  expect(settings.get('cert')).toBe('/etc/coturn/tls/server.crt');
  expect(settings.get('pkey')).toBe('/etc/coturn/tls/server.key');
  // Never restrict the relay transport (Talk's TURN.md): no-udp would also kill STUN.
  for (const banned of ['no-udp', 'no-tcp', 'no-udp-relay', 'lt-cred-mech']) expect(settings.has(banned), banned).toBe(false);
  expect(file(turn, '/etc/coturn/tls/server.crt')).toContain('BEGIN CERTIFICATE');
  expect(turn.command).toEqual(['-c', '/etc/coturn/turnserver.conf']);
});

test('every container carries the platform label; a reused platform is labelled as such', () => {
  for (const c of platformSpec(input()).containers) {
    expect(c.labels).toEqual({ [LABELS.platform]: 'tc-251125-abcdef', [LABELS.role]: c.role });
  }
  for (const c of platformSpec(input({ reuse: true, platformKey: 'reuse-nc32' })).containers) {
    expect(c.labels[LABELS.reuse]).toBe('true');
  }
});

test('the same input gives the same spec (a reused platform is found again), new secrets a different one', () => {
  expect(JSON.stringify(platformSpec(input()))).toBe(JSON.stringify(platformSpec(input())));
  expect(JSON.stringify(platformSpec(input({ secrets: generateSecrets() })))).not.toBe(JSON.stringify(platformSpec(input())));
});

test('the URL the suite certifies is the proxy on the engine host, and the certificate covers it', () => {
  expect(platformSpec(input()).url).toBe('https://localhost:40443/');
  expect(platformUrl('::1', 443)).toBe('https://[::1]/');
  expect(certificateNames('docker.example')).toEqual(expect.arrayContaining(['docker.example', 'localhost', '127.0.0.1', 'proxy', 'turn']));
});

test('a template placeholder without a value, or a value without a placeholder, is an error', () => {
  expect(fillTemplate('t', 'a {{X}} b', { X: 1 })).toBe('a 1 b');
  expect(() => fillTemplate('t', 'a {{X}} {{Y}}', { X: 1 })).toThrow(/no value for Y/);
  expect(() => fillTemplate('t', 'a {{X}}', { X: 1, Z: 2 })).toThrow(/not used by the template: Z/);
});

test('secrets are new per platform, long, and distinct', () => {
  const a = generateSecrets();
  const b = generateSecrets();
  const values = Object.values(a);
  expect(new Set(values).size).toBe(values.length);
  for (const v of values) expect(v.length).toBeGreaterThanOrEqual(32);
  expect(a.adminPassword).not.toBe(b.adminPassword);
});
