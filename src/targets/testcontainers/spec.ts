import { renderTemplate } from './render.ts';
import type { PlatformSecrets } from './secrets.ts';
import { IMAGES, nextcloudImage } from './versions.ts';

/**
 * The platform as data: one compose-like spec per container, computed from the run's inputs by
 * pure functions (unit-tested in tests/selftest/testcontainers). platform.ts turns the specs into
 * testcontainers calls and does nothing else with them.
 *
 *   browsers, Node checks ──https://<host>:<port>──▶ proxy (nginx, TLS, suite CA) ──http──▶ nextcloud (Apache + mod_php)
 *                                                                                            │
 *   browsers ──turn:/turns: <turn address>:443 (UDP, TCP)──▶ turn (coturn)       db (MariaDB, utf8mb4) ◀─┘
 */

export type Role = 'db' | 'nextcloud' | 'proxy' | 'turn';

/** Names the containers have on the platform network. */
export const ALIASES: Readonly<Record<Role, string>> = { db: 'db', nextcloud: 'nextcloud', proxy: 'proxy', turn: 'turn' };

export const DB_NAME = 'nextcloud';
export const DB_USER = 'nextcloud';
export const ADMIN_USER = 'admin';
export const TEST_USERS = [
  { key: 'alice', user: 'alice', displayName: 'Alice (talk-certify)' },
  { key: 'bob', user: 'bob', displayName: 'Bob (talk-certify)' },
] as const;

/** Label keys put on everything the target starts; `docker ps --filter label=…` finds it. */
export const LABELS = {
  platform: 'org.talk-certify.platform',
  role: 'org.talk-certify.role',
  reuse: 'org.talk-certify.reuse',
} as const;

/** Long polls (chat, internal signaling) last up to 30 s server-side; the proxy waits well past that. */
export const PROXY_READ_TIMEOUT_S = 120;
/** coturn relay ports; 41 allocations are plenty for the browsers of one run. */
export const RELAY_PORTS = { min: 49160, max: 49200 } as const;

/** MariaDB initialises its data directory in seconds; a slow disk on a shared runner takes longer. */
export const DB_STARTUP_TIMEOUT_MS = 120_000;
/** The Nextcloud image copies its sources into the web root and runs the installer on first start: minutes on a 2-core runner. */
export const NEXTCLOUD_STARTUP_TIMEOUT_MS = 600_000;
/** nginx and coturn start in well under a second. */
export const SERVICE_STARTUP_TIMEOUT_MS = 60_000;

export interface PortSpec {
  container: number;
  /** Fixed host port; unset = no host binding (reached on the container network). */
  host?: number;
  protocol: 'tcp' | 'udp';
}

export interface FileSpec {
  target: string;
  content: string;
  mode: number;
}

export interface HealthCheckSpec {
  test: ['CMD', ...string[]];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export type WaitSpec = { kind: 'health' } | { kind: 'log'; pattern: RegExp };

export interface ContainerSpec {
  role: Role;
  image: string;
  /** Arguments to the image's entrypoint; empty = the image's default command. */
  command: string[];
  env: Record<string, string>;
  networkAliases: string[];
  exposedPorts: PortSpec[];
  files: FileSpec[];
  /** Run as this user instead of the image's; null = the image's. */
  user: string | null;
  healthCheck: HealthCheckSpec | null;
  wait: WaitSpec;
  startupTimeoutMs: number;
  labels: Record<string, string>;
}

export interface PlatformInput {
  /** TALK_NEXTCLOUD_VERSION: `32`, `32.0.1`. */
  nextcloudVersion: string;
  /** Identifies this platform in labels: the run id, or a stable key for a reused platform. */
  platformKey: string;
  reuse: boolean;
  secrets: PlatformSecrets;
  tls: { certPem: string; keyPem: string };
  /** Host name the suite and browsers use (the container engine's host, usually localhost). */
  publicHost: string;
  /** Host ports the proxy is published on, chosen free before the start (and kept for a reused platform). */
  ports: { https: number; http: number };
}

export interface PlatformSpec {
  /** Base URL of Nextcloud, as the certification sees it. */
  url: string;
  /** coturn's realm (a name; coturn puts it in its authentication challenges). */
  realm: string;
  /** In start order: each one needs the ones before it. */
  containers: ContainerSpec[];
}

export function platformUrl(publicHost: string, httpsPort: number): string {
  const host = publicHost.includes(':') ? `[${publicHost}]` : publicHost;
  return httpsPort === 443 ? `https://${host}/` : `https://${host}:${httpsPort}/`;
}

function labels(input: PlatformInput, role: Role): Record<string, string> {
  return {
    [LABELS.platform]: input.platformKey,
    [LABELS.role]: role,
    ...(input.reuse ? { [LABELS.reuse]: 'true' } : {}),
  };
}

/**
 * MariaDB as Nextcloud's admin manual and Talk's requirements want it: utf8mb4 as the server
 * character set (emoji in chat), READ-COMMITTED and row-based binary logging (Nextcloud's docker
 * README).
 */
export function dbSpec(input: PlatformInput): ContainerSpec {
  return {
    role: 'db',
    image: IMAGES.mariadb,
    command: ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci', '--transaction-isolation=READ-COMMITTED', '--log-bin=binlog', '--binlog-format=ROW'],
    env: {
      MARIADB_ROOT_PASSWORD: input.secrets.dbRootPassword,
      MARIADB_DATABASE: DB_NAME,
      MARIADB_USER: DB_USER,
      MARIADB_PASSWORD: input.secrets.dbPassword,
    },
    networkAliases: [ALIASES.db],
    exposedPorts: [],
    files: [],
    user: null,
    // healthcheck.sh ships with the official image; --innodb_initialized waits for the storage engine, not just the socket.
    healthCheck: { test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized'], intervalMs: 2_000, timeoutMs: 5_000, retries: 60, startPeriodMs: 5_000 },
    wait: { kind: 'health' },
    startupTimeoutMs: DB_STARTUP_TIMEOUT_MS,
    labels: labels(input, 'db'),
  };
}

/**
 * The official Nextcloud image installs itself on first start from these variables (MYSQL_*,
 * NEXTCLOUD_ADMIN_*), then starts Apache. It sits behind the TLS proxy: it must trust the
 * proxy's X-Forwarded-* headers and generate https:// URLs.
 */
export function nextcloudSpec(input: PlatformInput): ContainerSpec {
  return {
    role: 'nextcloud',
    image: nextcloudImage(input.nextcloudVersion),
    command: [],
    env: {
      MYSQL_HOST: ALIASES.db,
      MYSQL_DATABASE: DB_NAME,
      MYSQL_USER: DB_USER,
      MYSQL_PASSWORD: input.secrets.dbPassword,
      NEXTCLOUD_ADMIN_USER: ADMIN_USER,
      NEXTCLOUD_ADMIN_PASSWORD: input.secrets.adminPassword,
      NEXTCLOUD_TRUSTED_DOMAINS: [...new Set([input.publicHost, 'localhost', ALIASES.proxy, ALIASES.nextcloud])].join(' '),
      OVERWRITEPROTOCOL: 'https',
      OVERWRITECLIURL: platformUrl(input.publicHost, input.ports.https).replace(/\/$/, ''),
      // The proxy's address on the platform network is assigned by the engine, from one of its
      // private default pools; trust those ranges only.
      TRUSTED_PROXIES: '10.0.0.0/8 172.16.0.0/12 192.168.0.0/16',
      // Behind a proxy, Apache's remoteip module would rewrite the client address a second time.
      APACHE_DISABLE_REWRITE_IP: '1',
      PHP_MEMORY_LIMIT: '512M',
    },
    networkAliases: [ALIASES.nextcloud],
    exposedPorts: [],
    files: [],
    user: null,
    // The entrypoint logs Apache's command line once the installation finished and Apache starts.
    wait: { kind: 'log', pattern: /apache2 -D FOREGROUND/ },
    healthCheck: null,
    startupTimeoutMs: NEXTCLOUD_STARTUP_TIMEOUT_MS,
    labels: labels(input, 'nextcloud'),
  };
}

export function nginxConfig(input: PlatformInput): string {
  return renderTemplate('nginx', {
    HTTPS_PUBLIC_PORT: input.ports.https,
    NEXTCLOUD_UPSTREAM: `${ALIASES.nextcloud}:80`,
    PROXY_READ_TIMEOUT_S: PROXY_READ_TIMEOUT_S,
  });
}

export function proxySpec(input: PlatformInput): ContainerSpec {
  return {
    role: 'proxy',
    image: IMAGES.proxy,
    command: [],
    env: {},
    networkAliases: [ALIASES.proxy],
    // Published on the same port numbers as on the host, so that the redirect and the URLs
    // Nextcloud generates (Host header) point where the client came from.
    exposedPorts: [
      { container: 443, host: input.ports.https, protocol: 'tcp' },
      { container: 80, host: input.ports.http, protocol: 'tcp' },
    ],
    files: [
      { target: '/etc/nginx/conf.d/default.conf', content: nginxConfig(input), mode: 0o644 },
      { target: '/etc/nginx/tls/server.crt', content: input.tls.certPem, mode: 0o644 },
      // nginx reads its key as root before dropping privileges.
      { target: '/etc/nginx/tls/server.key', content: input.tls.keyPem, mode: 0o600 },
    ],
    user: null,
    healthCheck: null,
    wait: { kind: 'log', pattern: /start worker process/ },
    startupTimeoutMs: SERVICE_STARTUP_TIMEOUT_MS,
    labels: labels(input, 'proxy'),
  };
}

export function coturnConfig(input: PlatformInput, realm: string): string {
  return renderTemplate('coturn', {
    TURN_SECRET: input.secrets.turnSecret,
    REALM: realm,
    RELAY_MIN_PORT: RELAY_PORTS.min,
    RELAY_MAX_PORT: RELAY_PORTS.max,
  });
}

export function turnSpec(input: PlatformInput, realm: string): ContainerSpec {
  return {
    role: 'turn',
    image: IMAGES.turn,
    // The image's entrypoint prepends `turnserver` to arguments that start with a dash.
    command: ['-c', '/etc/coturn/turnserver.conf'],
    env: {},
    networkAliases: [ALIASES.turn],
    exposedPorts: [],
    files: [
      { target: '/etc/coturn/turnserver.conf', content: coturnConfig(input, realm), mode: 0o644 },
      { target: '/etc/coturn/tls/server.crt', content: input.tls.certPem, mode: 0o644 },
      // Read once at start, before coturn drops to proc-user; a throwaway key of this platform.
      { target: '/etc/coturn/tls/server.key', content: input.tls.keyPem, mode: 0o644 },
    ],
    // Port 443 is privileged; coturn binds it as root and then drops to proc-user (turnserver.conf).
    user: '0:0',
    healthCheck: null,
    wait: { kind: 'log', pattern: /listener opened on/ },
    startupTimeoutMs: SERVICE_STARTUP_TIMEOUT_MS,
    labels: labels(input, 'turn'),
  };
}

export function platformSpec(input: PlatformInput): PlatformSpec {
  const realm = `talk-certify.${input.platformKey}`;
  return {
    url: platformUrl(input.publicHost, input.ports.https),
    realm,
    containers: [dbSpec(input), nextcloudSpec(input), proxySpec(input), turnSpec(input, realm)],
  };
}

/** The certificate's names: what the suite connects to, and the platform-internal names. */
export function certificateNames(publicHost: string): string[] {
  return [...new Set([publicHost, 'localhost', '127.0.0.1', '::1', ALIASES.proxy, ALIASES.turn])];
}
