import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { registerSecret } from '../redact/index.ts';
import { tcpReach, udpStunAnswers } from '../turn/reach.ts';
import { TURN_PORTS, renderCoturnConfig } from './coturn.ts';
import { buildDocroot } from './docroot.ts';
import type { DoubleConfig } from './double/context.ts';
import { startDouble } from './double/server.ts';
import { Store, randomString } from './double/store.ts';
import { turnUrls, unreachableTurnHost } from './double/talk.ts';
import type { ReferencePlatform, ReferenceUser, StartOptions } from './index.ts';
import { type InstanceNames, type OwnerRecord, blockTurnForClients, claimInstance, createNetwork, instanceDir, sweepStaleInstances, writeOwner } from './instances.ts';
import { Instance, active, installHandlers } from './lifecycle.ts';
import { SYSTEM_MIME_TYPES, mimeTypesMapWasm, mimeTypesWithoutWasm, renderNginxConfig } from './nginx.ts';
import { PROFILE_NAMES } from './profile-names.ts';
import { PROFILES, type Profile } from './profiles.ts';
import { ReferencePlatformError, killQuietly, preflight, tool } from './system.ts';
import { restrictTurnAddress } from './firewall.ts';
import { HPB_PATH, type HpbSecrets, hpbCommands, hpbUnavailable, makeHpbSecrets, waitHpbWelcome, writeJanusConfigs, writeSignalingConfig } from './hpb.ts';
import { TURN_DNS_NAME, type WebCertificate, makeCertificates } from './tls.ts';
import { DEFAULT_UI_PROFILE, type UiProfile, uiProfileByName } from './ui-profiles.ts';

/**
 * Platform start: startReferencePlatform claims an instance slot, builds its network,
 * certificates and document root, starts the Talk double, nginx, coturn and (profile hpb) the
 * HPB inside the instance's namespace, waits until each answers, and hands back the
 * ReferencePlatform (index.ts). How a running instance stops is in lifecycle.ts.
 */

/**
 * A random secret. Self-tests that scan every output file for leaked secrets set
 * TALK_CERTIFY_SECRET_MARKER, so that each secret of the run carries a distinctive, searchable
 * prefix; the random part stays what makes it secret.
 */
function secretValue(bytes: number, encoding: 'hex' | 'base64url'): string {
  const marker = process.env.TALK_CERTIFY_SECRET_MARKER ?? '';
  return `${marker}${randomBytes(bytes).toString(encoding)}`;
}

/** nginx and coturn are up within a second on an idle machine; allow for a loaded CI host. */
const READY_TIMEOUT_MS = 15_000;
/** Interval of the readiness probes while the daemons start (a documented waiting window, not a retry). */
const READY_PROBE_INTERVAL_MS = 50;
/** One readiness probe (TCP connect, STUN binding) on a veth answers in well under this. */
const PROBE_TIMEOUT_MS = 500;
/** A listener is up when a TCP connection to it is accepted within the probe timeout. */
const tcpAccepts = async (host: string, port: number): Promise<boolean> => (await tcpReach(host, port, PROBE_TIMEOUT_MS)) === 'connected';

function newUser(user: string, displayName: string, isAdmin: boolean): ReferenceUser {
  const u = { user, password: secretValue(18, 'base64url'), displayName, isAdmin };
  registerSecret(u.password);
  return u;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts a daemon inside the namespace, in its own process group, output to a log file. */
function spawnInNamespace(instance: Instance, name: string, argv: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const proc = spawn(tool('ip'), ['netns', 'exec', instance.names.netns, tool(argv[0]!), ...argv.slice(1)], { detached: true, stdio: ['ignore', fd, fd] });
    proc.on('error', () => {});
    instance.recordChild(name, proc);
    return proc;
  } finally {
    closeSync(fd);
  }
}

/** Stops a daemon of the instance (SIGTERM, SIGKILL after 5 s) and waits until it is gone. */
async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  killQuietly(proc.pid, 'SIGTERM');
  const timer = setTimeout(() => proc.pid !== undefined && killQuietly(proc.pid, 'SIGKILL'), 5_000);
  await gone;
  clearTimeout(timer);
}

/** Polls `probe` until it is true; fails early when the daemon exits. */
async function waitReady(what: string, proc: ChildProcess, probe: () => Promise<boolean>, logFile: string, code: 'NGINX' | 'COTURN'): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new ReferencePlatformError(code, `${what} exited during start-up (${proc.exitCode ?? proc.signalCode}). Its log:\n${tail(logFile)}`);
    }
    if (await probe()) return;
    if (Date.now() > deadline) {
      throw new ReferencePlatformError(code, `${what} did not get ready within ${READY_TIMEOUT_MS} ms. Its log:\n${tail(logFile)}`);
    }
    await delay(READY_PROBE_INTERVAL_MS);
  }
}

/** Starts one reference platform instance. Sweeps stale instances of dead owners first. */
export async function startReferencePlatform(opts: StartOptions): Promise<ReferencePlatform> {
  if (!(PROFILE_NAMES as readonly string[]).includes(opts.profile)) {
    throw new Error(`unknown reference profile "${opts.profile}": use one of ${PROFILE_NAMES.join(', ')}`);
  }
  const ui: UiProfile = uiProfileByName(opts.ui ?? DEFAULT_UI_PROFILE);
  const profile: Profile = withUi(PROFILES[opts.profile], ui);
  const log = opts.log ?? (() => {});
  preflight();
  // Profile hpb and its faults need the signaling server installed (scripts/hpb/install.sh).
  const hpbUnavailableReason = profile.signaling.hpb ? hpbUnavailable(profile.signaling.hpb.release) : null;
  if (hpbUnavailableReason) throw new ReferencePlatformError('HPB', `Profile ${profile.name} runs the High-Performance Backend, but ${hpbUnavailableReason}`);
  await sweepStaleInstances(log);
  const t0 = Date.now();

  const names = await claimInstance({ runId: opts.runId, profile: profile.name, workDir: '' });
  const workDir = path.resolve(opts.workDir, `instance-${names.index}`);
  const owner: OwnerRecord = JSON.parse(readFileSync(path.join(instanceDir(names.index), 'owner.json'), 'utf8')) as OwnerRecord;
  owner.workDir = workDir;
  writeOwner(names.index, owner);
  const instance = new Instance(names, workDir, owner);
  active.add(instance);
  installHandlers();

  try {
    rmSync(workDir, { recursive: true, force: true });
    for (const d of ['tls', 'www', 'nginx/tmp', 'coturn', 'logs']) mkdirSync(path.join(workDir, d), { recursive: true });
    const file = (rel: string) => path.join(workDir, rel);

    const [certs] = await Promise.all([
      makeCertificates(file('tls'), { runId: opts.runId, ips: [names.webIp, names.turnIp, names.turnRestrictedIp], web: profile.web.certificate ?? 'valid' }),
      createNetwork(names),
    ]);
    const restrictedRules = await restrictTurnAddress(names);
    buildDocroot(file('www'), profile);

    const turnSecret = secretValue(32, 'hex');
    const controlToken = secretValue(24, 'base64url');
    registerSecret(turnSecret);
    registerSecret(controlToken);
    const users = { alice: newUser('alice', 'Alice', false), bob: newUser('bob', 'Bob', false), admin: newUser('admin', 'admin', true) };

    const scheme = profile.web.tls ? 'https' : 'http';
    // With a webroot (profile webroot) Nextcloud's URL is https://<ip>/nextcloud/.
    const webroot = profile.web.webroot ?? '';
    const url = `${scheme}://${names.webIp}${webroot}/`;
    const config: DoubleConfig = {
      profile,
      baseUrl: url,
      origin: `${scheme}://${names.webIp}`,
      secure: profile.web.tls,
      instanceId: `oc${randomString(10, 'abcdefghijklmnopqrstuvwxyz0123456789')}`,
      turnHost: names.turnIp,
      talkTurnSecret: profile.turn.secret === 'shared' ? turnSecret : randomBytes(32).toString('hex'),
      controlToken,
      proxyAddresses: [names.webIp, names.turnIp],
      webroot,
      ui,
      firstRunWizard: opts.firstRunWizard ?? true,
    };
    // External signaling: Talk's HPB settings point at nginx's /standalone-signaling/ on the platform's origin.
    const hpbSecrets: HpbSecrets | null = profile.signaling.hpb ? makeHpbSecrets(profile.signaling.hpb, `${scheme}://${names.webIp}${HPB_PATH}`) : null;
    if (hpbSecrets) config.hpb = { ...hpbSecrets.double, caFile: certs.caFile };
    const store = new Store();
    for (const u of Object.values(users)) store.addUser({ id: u.user, password: u.password, displayName: u.displayName, isAdmin: u.isAdmin });
    try {
      instance.double = await startDouble({ host: names.hostIp, config, store, log });
    } catch (err) {
      throw new ReferencePlatformError('DOUBLE', `The Talk double could not listen on ${names.hostIp}: ${(err as Error).message}`, { cause: err });
    }

    // nginx
    let mimeTypes = SYSTEM_MIME_TYPES;
    if (!existsSync(SYSTEM_MIME_TYPES)) {
      throw new ReferencePlatformError('NGINX', `${SYSTEM_MIME_TYPES} is missing: reinstall nginx (apt-get install --reinstall nginx-common).`);
    }
    const systemTypes = readFileSync(SYSTEM_MIME_TYPES, 'utf8');
    if (profile.web.mimeTypes === 'without-wasm') {
      mimeTypes = file('nginx/mime.types');
      writeFileSync(mimeTypes, mimeTypesWithoutWasm(systemTypes));
    }
    const nginxConf = file('nginx/nginx.conf');
    writeFileSync(
      nginxConf,
      renderNginxConfig({
        profile,
        host: names.webIp,
        upstream: `${names.hostIp}:${instance.double.port}`,
        mimeTypesHaveWasm: mimeTypesMapWasm(readFileSync(mimeTypes, 'utf8')),
        paths: {
          root: webrootParent(file('www'), file('webroot'), webroot),
          mimeTypes,
          certFile: certs.web.certFile,
          keyFile: certs.web.keyFile,
          pidFile: file('nginx/nginx.pid'),
          errorLog: file('logs/nginx-error.log'),
          accessLog: file('logs/nginx-access.log'),
          tempDir: file('nginx/tmp'),
        },
      }),
    );
    const nginxLog = file('logs/nginx-error.log');
    const nginx = spawnInNamespace(instance, 'nginx', ['nginx', '-c', nginxConf, '-p', file('nginx'), '-e', nginxLog], nginxLog);

    // coturn
    const coturnConf = file('coturn/turnserver.conf');
    const coturnLog = file('logs/coturn.log');
    writeFileSync(
      coturnConf,
      renderCoturnConfig({
        host: names.turnIp,
        extraListeningIps: [names.turnRestrictedIp],
        secret: turnSecret,
        certFile: certs.certFile,
        keyFile: certs.keyFile,
        pidFile: file('coturn/turnserver.pid'),
        logFile: coturnLog,
        userDb: file('coturn/turndb'),
        listeners: profile.turn.listeners ?? 'all',
        peers: profile.turn.peers ?? 'own-subnet-allowed',
      }),
      { mode: 0o600 },
    );
    const coturn = spawnInNamespace(instance, 'coturn', ['turnserver', '-c', coturnConf], file('logs/coturn.stdout.log'));

    // The HPB: NATS, then the signaling server (it retries NATS until it answers).
    let signaling: ChildProcess | null = null;
    let janus: ChildProcess | null = null;
    if (hpbSecrets && profile.signaling.hpb?.running) {
      mkdirSync(file('hpb'), { recursive: true });
      const cmd = hpbCommands(workDir, certs.caFile, profile.signaling.hpb.release);
      writeSignalingConfig(cmd.config, hpbSecrets, url, profile.signaling.hpb);
      spawnInNamespace(instance, 'nats-server', cmd.nats, file('logs/nats.log'));
      // The signaling server retries Janus until it answers, and listens only then.
      if (profile.signaling.hpb.mcu === 'janus') {
        writeJanusConfigs(cmd.janusDir);
        janus = spawnInNamespace(instance, 'janus', cmd.janus, file('logs/janus.log'));
      }
      signaling = spawnInNamespace(instance, 'signaling', cmd.signaling, file('logs/signaling.log'));
    }

    const webPort = profile.web.tls ? 443 : 80;
    await Promise.all([
      waitReady(`nginx on ${names.webIp}:${webPort}`, nginx, () => tcpAccepts(names.webIp, webPort), nginxLog, 'NGINX'),
      waitReady(
        `coturn on ${names.turnIp} (TCP and UDP ${TURN_PORTS.tls} and ${TURN_PORTS.plain})`,
        coturn,
        async () =>
          (profile.turn.listeners === 'udp-only' || ((await tcpAccepts(names.turnIp, TURN_PORTS.tls)) && (await tcpAccepts(names.turnIp, TURN_PORTS.plain)))) &&
          (await udpStunAnswers(names.turnIp, TURN_PORTS.tls, PROBE_TIMEOUT_MS)) &&
          (await udpStunAnswers(names.turnIp, TURN_PORTS.plain, PROBE_TIMEOUT_MS)),
        coturnLog,
        'COTURN',
      ),
    ]);
    await checkEndToEnd(url, certs.caFile, names, nginxLog, profile.web.certificate ?? 'valid');
    if (signaling) await waitHpbWelcome(`${scheme}://${names.webIp}${HPB_PATH}`, certs.caFile, signaling, file('logs/signaling.log'), READY_TIMEOUT_MS);
    // Fault hpb-janus-down: the signaling server listens only once Janus answered, so Janus goes now.
    if (janus && profile.signaling.hpb?.janusStoppedAfterStart) await stopChild(janus);
    // After coturn's readiness probe, which needs its answers.
    if (profile.turn.blockedForClients) await blockTurnForClients(names);

    const turnAddress = profile.turn.unreachable ? unreachableTurnHost(names.turnIp) : names.turnIp;
    const platform: ReferencePlatform = {
      profile: profile.name,
      ui: ui.name,
      index: names.index,
      url,
      host: names.webIp,
      caFile: certs.caFile,
      users,
      turn: {
        host: names.turnIp,
        secret: turnSecret,
        urls: turnUrls(turnAddress, profile.turn.servers, TURN_DNS_NAME).flat(),
        name: TURN_DNS_NAME,
        restricted: { address: names.turnRestrictedIp, rules: restrictedRules },
      },
      // The name goes where the URLs' address goes (nowhere, for turn-unreachable).
      hosts: { [TURN_DNS_NAME]: turnAddress },
      versions: { nextcloud: profile.nextcloud.versionString, talk: profile.talk?.version ?? null },
      control: { url: instance.double.url, token: controlToken },
      stop: () => instance.stop(),
    };
    log(`reference platform ${names.index} (${profile.name}, UI ${ui.name}) up at ${url} in ${Date.now() - t0} ms`);
    return platform;
  } catch (err) {
    await instance.stop().catch(() => {});
    throw err;
  }
}

/** A fault profile on the releases of a UI profile: the Nextcloud version, and Talk's when Talk is installed. */
export function withUi(base: Profile, ui: UiProfile): Profile {
  const p = structuredClone(base);
  p.nextcloud = { ...ui.nextcloud };
  if (p.talk) p.talk.version = ui.talkVersion;
  return p;
}

/** status.php through nginx with the instance CA: proves TLS, nginx, the proxy hop and the double together. */
async function checkEndToEnd(url: string, caFile: string, names: InstanceNames, nginxLog: string, certificate: WebCertificate): Promise<void> {
  // A TLS fault profile serves a certificate that is wrong on purpose (for the suite to diagnose);
  // this readiness probe of the platform's own plumbing then accepts exactly that fault: the
  // host name (wrong-host) or the dates (expired, where only rejecting it as a whole is possible).
  const faulty = certificate === 'wrong-host' ? { checkServerIdentity: () => undefined } : certificate === 'expired' ? { rejectUnauthorized: false } : {};
  const agent = new Agent({ connect: { ca: readFileSync(caFile, 'utf8'), timeout: PROBE_TIMEOUT_MS * 4, ...faulty } });
  try {
    const res = await request(`${url}status.php`, { dispatcher: agent, headersTimeout: 5_000, bodyTimeout: 5_000 });
    const body = await res.body.text();
    if (res.statusCode !== 200 || !body.includes('"installed":true')) {
      throw new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
    }
  } catch (err) {
    throw new ReferencePlatformError(
      'NGINX',
      `GET ${url}status.php through nginx failed (${(err as Error).message}). nginx reaches the Talk double on ${names.hostIp} over ${names.hostVeth}: ` +
        `a firewall that drops input on ${names.hostVeth} breaks that (allow it: iptables -I INPUT -i ${names.hostVeth} -j ACCEPT). nginx log:\n${tail(nginxLog)}`,
      { cause: err },
    );
  } finally {
    await agent.close();
  }
}

/**
 * nginx's document root for a Nextcloud under `webroot` (e.g. `/nextcloud`): a directory holding
 * the Nextcloud tree under that name (a symlink to `tree`), as /var/www holds /var/www/nextcloud in
 * the admin manual's subdirectory setup. Without a webroot, the tree itself.
 */
function webrootParent(tree: string, parent: string, webroot: string): string {
  if (!webroot) return tree;
  mkdirSync(path.dirname(path.join(parent, webroot)), { recursive: true });
  symlinkSync(tree, path.join(parent, webroot));
  return parent;
}
