import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { registerSecret } from '../redact/index.ts';
import type { DoubleHpbConfig } from './double/hpb.ts';
import { ReferencePlatformError, findExecutable } from './system.ts';

/**
 * The High-Performance Backend of the reference profile `hpb` (issue 13): the real
 * nextcloud-spreed-signaling 2.0.2 (Debian unstable's package, unpacked by scripts/hpb/install.sh)
 * and NATS (bookworm's nats-server) inside the instance's network namespace, the signaling server
 * on 127.0.0.1:8080 there, reverse-proxied by the platform's nginx at `/standalone-signaling/`
 * as Talk's HPB documentation configures it, with Janus (bookworm's 1.1.2, VideoRoom plugin, its
 * WebSocket API on 127.0.0.1:8188) as the MCU; Janus gathers candidates on the namespace's veth
 * addresses (it needs a non-loopback interface). The Talk double plays Nextcloud's side (double/hpb.ts).
 */

/** What a profile changes about the HPB. */
export interface HpbProfile {
  /** nginx's `/standalone-signaling/` location: `upgrade` as documented; `no-upgrade` forgets `Upgrade`/`Connection` (the HPB answers 400 to the WebSocket). */
  proxy: 'upgrade' | 'no-upgrade';
  /**
   * nginx's `proxy_read_timeout`/`proxy_send_timeout` at that location, seconds; null keeps nginx's
   * default 60 s, which the HPB's ping every 54 s keeps alive (hpb-proxy-timeout: 5 s).
   */
  proxyTimeoutS: number | null;
  /** false: the signaling server is not running (nginx answers 502 Bad Gateway). */
  running: boolean;
  /** `wrong`: Talk's shared secret differs from the HPB's `[backend] secret` (the HPB's backend requests are refused). */
  secret: 'shared' | 'wrong';
  /**
   * The HPB's `[backend] backends`: `this` lists the platform's Nextcloud URL (as the package's
   * server.conf documents it; `allowall` is "extremely insecure"); `other` lists only another
   * Nextcloud, so this one's hello is refused.
   */
  allowed: 'this' | 'other';
  /** `janus`: Janus 1.1.2 (bookworm) runs as the MCU (`[mcu] type = janus`); `none`: signaling only. */
  mcu: 'janus' | 'none';
  /**
   * true (hpb-janus-down): Janus is stopped once the signaling server answers, i.e. after it
   * connected to Janus and announced the feature `mcu` (hub.go sets it once at start), so only
   * publishing and subscribing media can show that the MCU is gone.
   */
  janusStoppedAfterStart?: boolean;
  /**
   * The scheme of the HPB URL in Talk's settings: `https` as on the platform; `http` (hpb-http-url)
   * hands clients `http://…/standalone-signaling/`, which Talk's client turns into `ws://` — mixed
   * content on Talk's https pages (the platform's port 80 only redirects to https).
   */
  advertised: 'https' | 'http';
  /** Seconds Nextcloud's clock (the Talk double's tokens and tickets) runs ahead of the HPB's; 0, or 180 for hpb-clock-skew. */
  nextcloudClockSkewS: number;
  /**
   * Which signaling server release runs: the current one (HPB_VERSION, when absent) or an outdated
   * one a Debian 12 admin gets from apt (hpb-outdated: bookworm's 0.4.1; hpb-outdated-backports:
   * bookworm-backports' 1.2.4), installed optionally by scripts/hpb/install.sh.
   */
  release?: HpbRelease;
}

/** The signaling server releases a profile can run: the current one and the outdated Debian 12 ones. */
export type HpbRelease = '2.0.2' | OutdatedHpbRelease;
export type OutdatedHpbRelease = '0.4.1' | '1.2.4';

/** Where scripts/hpb/install.sh unpacks the signaling server. */
export const HPB_DIR = process.env['TALK_HPB_DIR'] ?? '/opt/talk-certify/hpb';
export const HPB_BINARY = path.join(HPB_DIR, 'root/usr/bin/nextcloud-spreed-signaling-server');
/** The release the profile is built for: the first Debian package with all of Talk's required features. */
export const HPB_VERSION = '2.0.2';
/** The signaling server's HTTP listener inside the namespace (loopback: only nginx reaches it). */
export const HPB_LISTEN = { host: '127.0.0.1', port: 8080 } as const;
const NATS_PORT = 4222;
/** Janus' WebSocket API inside the namespace (the signaling server's `[mcu] url`). */
const JANUS_WS_PORT = 8188;
/** Debian's Janus module folders. */
const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';
/** Path of the HPB below the platform's origin (Talk's docs use `/standalone-signaling/`). */
export const HPB_PATH = '/standalone-signaling/';

/** The outdated releases (scripts/hpb/install.sh, optional): where each is unpacked and which Debian suite it comes from. */
export const OUTDATED_HPB: Readonly<Record<OutdatedHpbRelease, { suite: string; dir: string }>> = {
  '0.4.1': { suite: 'bookworm', dir: path.join(HPB_DIR, 'outdated/0.4.1') },
  '1.2.4': { suite: 'bookworm-backports', dir: path.join(HPB_DIR, 'outdated/1.2.4') },
};

/** The signaling server binary of a release. */
export function hpbBinary(release: HpbRelease = HPB_VERSION): string {
  return release === HPB_VERSION ? HPB_BINARY : path.join(OUTDATED_HPB[release].dir, 'root/usr/bin/nextcloud-spreed-signaling-server');
}

/**
 * null when an outdated release is installed; else why not and how to install it. Its Debian
 * package version is read from deb-version (0.4.1's binary reports "unreleased").
 */
function outdatedHpbUnavailable(release: OutdatedHpbRelease): string | null {
  const { suite, dir } = OUTDATED_HPB[release];
  let debVersion = '';
  try {
    debVersion = readFileSync(path.join(dir, 'deb-version'), 'utf8').trim();
  } catch {
    // Not installed: below.
  }
  if (!existsSync(hpbBinary(release)) || !debVersion.startsWith(`${release}-`)) {
    return `the outdated nextcloud-spreed-signaling ${release} (Debian ${suite}) is not installed in ${dir}: run \`bash scripts/hpb/install.sh\` as root (optional part; TALK_HPB_OUTDATED=0 skips it).`;
  }
  return null;
}

/** null when the HPB can run here; else why not and how to fix it. */
export function hpbUnavailable(release: HpbRelease = HPB_VERSION): string | null {
  if (release !== HPB_VERSION) {
    const outdated = outdatedHpbUnavailable(release);
    if (outdated) return outdated;
  }
  if (!existsSync(HPB_BINARY)) {
    return `nextcloud-spreed-signaling is not installed at ${HPB_BINARY}: run \`bash scripts/hpb/install.sh\` as root (it downloads Debian's ${HPB_VERSION} package with a private apt state).`;
  }
  if (!findExecutable('nats-server')) return 'nats-server is not installed: run `bash scripts/hpb/install.sh` (or apt-get install nats-server) as root.';
  if (!findExecutable('janus') || !existsSync(`${JANUS_LIB}/plugins/libjanus_videoroom.so`))
    return 'janus is not installed: run `bash scripts/hpb/install.sh` (or apt-get install janus) as root.';
  try {
    const v = execFileSync(HPB_BINARY, ['--version'], { encoding: 'utf8', timeout: 5_000 });
    if (!v.includes(`version ${HPB_VERSION}`)) return `${HPB_BINARY} reports "${v.trim()}", not ${HPB_VERSION}: rerun \`bash scripts/hpb/install.sh\`.`;
  } catch (err) {
    return `${HPB_BINARY} --version failed (${(err as Error).message}): rerun \`bash scripts/hpb/install.sh\`.`;
  }
  return null;
}

export interface HpbSecrets {
  /** The HPB's `[backend] secret`. */
  backendSecret: string;
  /** What the double (Talk) holds: the same, or another for the wrong-secret fault. */
  double: DoubleHpbConfig;
  hashKey: string;
  blockKey: string;
  internalSecret: string;
}

/** Secrets and keys of one instance; every secret is registered for redaction. */
export function makeHpbSecrets(profile: HpbProfile, server: string): HpbSecrets {
  const backendSecret = randomBytes(32).toString('hex');
  const talkSecret = profile.secret === 'shared' ? backendSecret : randomBytes(32).toString('hex');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const s: HpbSecrets = {
    backendSecret,
    double: {
      server: profile.advertised === 'http' ? server.replace(/^https:/, 'http:') : server,
      secret: talkSecret,
      clockSkewS: profile.nextcloudClockSkewS,
      ticketSecret: randomBytes(32).toString('hex'),
      tokenPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      tokenPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    hashKey: randomBytes(32).toString('hex'),
    // The session block key must be 16, 24 or 32 bytes (AES): 32 hex characters.
    blockKey: randomBytes(16).toString('hex'),
    internalSecret: randomBytes(32).toString('hex'),
  };
  for (const v of [s.backendSecret, talkSecret, s.double.ticketSecret, s.double.tokenPrivateKey, s.hashKey, s.blockKey, s.internalSecret]) registerSecret(v);
  return s;
}

/** The Nextcloud the hpb-url-not-allowed fault lists instead of the platform's (a reserved name: never resolves). */
export const OTHER_BACKEND_URL = 'https://cloud.other-nextcloud.invalid/';

/**
 * server.conf as the package's example (/etc/nextcloud-spreed-signaling/server.conf) documents it:
 * `[backend] backends = nextcloud` with a `[nextcloud]` section naming the Nextcloud URL (the
 * shared secret in `[backend]`), NATS on the namespace's loopback, no MCU.
 */
export function renderSignalingConfig(
  s: HpbSecrets,
  nextcloudUrl: string,
  allowed: HpbProfile['allowed'] = 'this',
  mcu: HpbProfile['mcu'] = 'none',
  release: HpbRelease = HPB_VERSION,
): string {
  // 0.4.1 reads the [backend] secret only with allowall (its server.conf: "Common shared secret … if
  // allowall is enabled"): the outdated releases get the secret in the backend's own section too.
  const backendSecret = release === HPB_VERSION ? '' : `secret = ${s.backendSecret}\n`;
  return `# Generated by talk-certify for a reference platform instance (profile hpb).
[http]
listen = ${HPB_LISTEN.host}:${HPB_LISTEN.port}

[app]
debug = false

[sessions]
hashkey = ${s.hashKey}
blockkey = ${s.blockKey}

[clients]
internalsecret = ${s.internalSecret}

[backend]
backends = nextcloud
allowall = false
secret = ${s.backendSecret}
timeout = 10
connectionsperhost = 8

[nextcloud]
url = ${allowed === 'this' ? nextcloudUrl : OTHER_BACKEND_URL}
${backendSecret}
[nats]
url = nats://127.0.0.1:${NATS_PORT}

[mcu]
${mcu === 'janus' ? `type = janus\nurl = ws://127.0.0.1:${JANUS_WS_PORT}` : '# No MCU: signaling only.\ntype ='}
`;
}

/** The daemons of the HPB, as argv for spawnInNamespace (index.ts). */
export function hpbCommands(
  workDir: string,
  caFile: string,
  release: HpbRelease = HPB_VERSION,
): { nats: string[]; janus: string[]; signaling: string[]; config: string; janusDir: string } {
  const config = path.join(workDir, 'hpb/server.conf');
  const janusDir = path.join(workDir, 'hpb/janus');
  return {
    nats: ['nats-server', '-a', '127.0.0.1', '-p', String(NATS_PORT)],
    janus: ['janus', '-F', janusDir, '-C', path.join(janusDir, 'janus.jcfg')],
    janusDir,
    // Go reads extra roots from SSL_CERT_FILE: the HPB must trust the instance CA for its backend requests to https://<platform>/ocs/….
    signaling: ['env', `SSL_CERT_FILE=${caFile}`, hpbBinary(release), '--config', config],
    config,
  };
}

export function writeSignalingConfig(file: string, s: HpbSecrets, nextcloudUrl: string, profile: HpbProfile): void {
  writeFileSync(file, renderSignalingConfig(s, nextcloudUrl, profile.allowed, profile.mcu, profile.release), { mode: 0o600 });
}

/** Janus plugins and transports Debian ships that the HPB does not use (only VideoRoom over WebSockets). */
const JANUS_UNUSED_PLUGINS = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail'];
const JANUS_UNUSED_TRANSPORTS = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];

/**
 * Janus' configuration (libconfig .jcfg, as Debian's /etc/janus examples): full trickle (the
 * signaling server's README asks for it), the VideoRoom plugin, the WebSocket API on loopback.
 */
export function renderJanusConfigs(janusDir: string): Record<string, string> {
  return {
    'janus.jcfg': `general: {
	configs_folder = "${janusDir}"
	plugins_folder = "${JANUS_LIB}/plugins"
	transports_folder = "${JANUS_LIB}/transports"
	events_folder = "${JANUS_LIB}/events"
	loggers_folder = "${JANUS_LIB}/loggers"
	debug_level = 4
}
media: { rtp_port_range = "20000-20999" }
nat: { full_trickle = true }
plugins: { disable = "${JANUS_UNUSED_PLUGINS.map((p) => `libjanus_${p}.so`).join(',')}" }
transports: { disable = "${JANUS_UNUSED_TRANSPORTS.map((t) => `libjanus_${t}.so`).join(',')}" }
events: { broadcast = false }
`,
    'janus.transport.websockets.jcfg': `general: { json = "indented", ws = true, ws_port = ${JANUS_WS_PORT}, ws_ip = "127.0.0.1", wss = false }
admin: { admin_ws = false, admin_wss = false }
`,
    'janus.plugin.videoroom.jcfg': 'general: { }\n',
  };
}

export function writeJanusConfigs(janusDir: string): void {
  mkdirSync(janusDir, { recursive: true });
  for (const [name, text] of Object.entries(renderJanusConfigs(janusDir))) writeFileSync(path.join(janusDir, name), text);
}

/** nginx's location for the HPB (Talk's HPB docs / the signaling server's README, "nginx"). */
export function nginxHpbLocation(profile: HpbProfile): string {
  const upgrade =
    profile.proxy === 'upgrade'
      ? `            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "Upgrade";
`
      : '            # Fault hpb-no-upgrade: the Upgrade and Connection headers are not passed on.\n';
  const timeouts =
    profile.proxyTimeoutS === null
      ? ''
      : `            # Fault hpb-proxy-timeout: idle WebSockets are cut before the HPB's next ping (every 54 s).
            proxy_read_timeout ${profile.proxyTimeoutS}s;
            proxy_send_timeout ${profile.proxyTimeoutS}s;
`;
  return `
        # The High-Performance Backend (nextcloud-spreed-signaling), as its README configures nginx.
        location ^~ ${HPB_PATH} {
            proxy_pass http://${HPB_LISTEN.host}:${HPB_LISTEN.port}/;
            proxy_http_version 1.1;
${upgrade}            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
${timeouts}        }
`;
}

/**
 * Waits until `GET <server>api/v1/welcome` through nginx answers 200 (the signaling server
 * listens only once NATS is connected); fails early when it exits.
 */
export async function waitHpbWelcome(server: string, caFile: string, proc: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const agent = new Agent({ connect: { ca: readFileSync(caFile, 'utf8'), timeout: 1_000 } });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new ReferencePlatformError('HPB', `The signaling server exited during start-up (${proc.exitCode ?? proc.signalCode}). Its log:\n${tailOf(logFile)}`);
      }
      try {
        const res = await request(`${server}api/v1/welcome`, { dispatcher: agent, headersTimeout: 2_000, bodyTimeout: 2_000 });
        const body = await res.body.text();
        if (res.statusCode === 200) return;
        last = `HTTP ${res.statusCode}: ${body.slice(0, 100)}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new ReferencePlatformError('HPB', `The signaling server did not answer ${server}api/v1/welcome within ${timeoutMs} ms (last: ${last}). Its log:\n${tailOf(logFile)}`);
      }
      await delay(100);
    }
  } finally {
    await agent.close();
  }
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
