import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { redactText } from '../../redact/index.ts';
import { TalkError, truncateBody } from '../../talk/errors.ts';
import { type TargetProbe, probeTarget } from '../../talk/probe.ts';
import { detectContainerEngine } from './engine.ts';
import { type OccCommand, occCommands, platformAccounts } from './occ.ts';
import { type PlatformSecrets, generateSecrets, isPlatformSecrets, registerPlatformSecrets } from './secrets.ts';
import { type ContainerSpec, LABELS, type PlatformInput, certificateNames, platformSpec } from './spec.ts';
import { CERT_VALIDITY_DAYS, type TlsFiles, generateTls, planTls } from './tls.ts';

/**
 * Launches the platform of TALK_TARGET=testcontainers: a network, then MariaDB, Nextcloud, the
 * TLS proxy and coturn (specs from spec.ts), then Talk's setup through occ (occ.ts), then waits
 * until the suite's own view of it is ready (status.php installed, Talk in the capabilities).
 * Without reuse everything is removed at stop; with reuse (TALK_TC_REUSE=1) the containers, the
 * network, the secrets and the CA stay for the next run.
 */

/** After occ, Talk must show in the capabilities through the proxy; the app store download is already done by then. */
export const READINESS_TIMEOUT_MS = 120_000;
/** Pause between two readiness probes: a real time window (the platform settles on its own), not a retry of a check. */
export const READINESS_POLL_INTERVAL_MS = 2_000;
/** occ commands are quick, except app:install, which downloads Talk from the app store. */
export const OCC_TIMEOUT_MS = 300_000;
/** Days before expiry when a reused platform's certificate is replaced (and its containers with it). */
const REUSE_RENEW_BEFORE_DAYS = 7;

export interface TestcontainersOptions {
  nextcloudVersion: string;
  reuse: boolean;
  runId: string;
  /** Per-run files (CA, certificate) of a platform that is not reused; removed at stop. */
  workDir: string;
  log: (line: string) => void;
}

export interface StartedTestcontainersPlatform {
  url: string;
  caFile: string;
  accounts: ReturnType<typeof platformAccounts>;
  /** coturn as Talk hands it out (`host:443`). */
  turnServer: string;
  /** The last readiness probe (anonymous). */
  probe: TargetProbe;
  stop(): Promise<void>;
}

interface PlatformState {
  key: string;
  secrets: PlatformSecrets;
  ports: { https: number; http: number };
  tlsDir: string;
  createdAt: string;
}

/** Where a reused platform keeps its secrets and CA between runs (private to the user). */
export function reuseDir(nextcloudVersion: string, env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'talk-certify', 'testcontainers', `nc${nextcloudVersion}`);
}

/** Stable key of a reused platform; the run id otherwise. Goes into labels and the network name. */
export function platformKey(opts: Pick<TestcontainersOptions, 'reuse' | 'runId' | 'nextcloudVersion'>): string {
  return opts.reuse ? `reuse-nc${opts.nextcloudVersion.replaceAll('.', '-')}` : opts.runId;
}

/**
 * A content hash of the spec, as a label: testcontainers' reuse compares the create options
 * only, not the files copied in, so a changed nginx or coturn configuration would otherwise keep
 * the old container.
 */
export function specHash(spec: ContainerSpec): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ ...spec, wait: String(spec.wait.kind === 'log' ? spec.wait.pattern : 'health'), labels: undefined }));
  return h.digest('hex').slice(0, 16);
}

async function freePorts(): Promise<{ https: number; http: number }> {
  const { RandomPortGenerator } = await import('testcontainers');
  const gen = new RandomPortGenerator();
  const https = await gen.generatePort();
  let http = await gen.generatePort();
  while (http === https) http = await gen.generatePort();
  return { https, http };
}

async function loadOrCreateState(opts: TestcontainersOptions): Promise<PlatformState> {
  const key = platformKey(opts);
  if (!opts.reuse) {
    return { key, secrets: generateSecrets(), ports: await freePorts(), tlsDir: path.join(opts.workDir, key, 'tls'), createdAt: new Date().toISOString() };
  }
  const dir = reuseDir(opts.nextcloudVersion);
  const file = path.join(dir, 'state.json');
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as PlatformState;
      const ageDays = (Date.now() - Date.parse(saved.createdAt)) / 86_400_000;
      if (saved.key === key && isPlatformSecrets(saved.secrets) && ageDays < CERT_VALIDITY_DAYS - REUSE_RENEW_BEFORE_DAYS && existsSync(path.join(saved.tlsDir, 'ca.pem'))) {
        opts.log(`Reusing the platform kept in ${dir} (created ${saved.createdAt}).`);
        return saved;
      }
      opts.log(`The platform kept in ${dir} is too old or incomplete; making a new one.`);
    } catch (err) {
      opts.log(`Ignoring ${file}: ${(err as Error).message}; making a new platform.`);
    }
  }
  const state: PlatformState = { key, secrets: generateSecrets(), ports: await freePorts(), tlsDir: path.join(dir, 'tls'), createdAt: new Date().toISOString() };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  rmSync(state.tlsDir, { recursive: true, force: true });
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

async function tlsFor(state: PlatformState, publicHost: string): Promise<TlsFiles & { certPem: string; keyPem: string }> {
  const plan = planTls(state.tlsDir, {
    commonName: publicHost,
    altNames: certificateNames(publicHost),
    caName: `talk-certify testcontainers CA ${state.key}`,
  });
  if (existsSync(plan.files.caFile) && existsSync(plan.files.certFile) && existsSync(plan.files.keyFile) && statSync(plan.files.keyFile).size > 0) {
    return { ...plan.files, certPem: readFileSync(plan.files.certFile, 'utf8'), keyPem: readFileSync(plan.files.keyFile, 'utf8') };
  }
  return generateTls(plan);
}

function toContainer(GenericContainerClass: typeof GenericContainer, spec: ContainerSpec, networkName: string, reuse: boolean, waitFor: typeof import('testcontainers').Wait) {
  let c = new GenericContainerClass(spec.image)
    .withNetworkMode(networkName)
    .withNetworkAliases(...spec.networkAliases)
    .withEnvironment(spec.env)
    .withLabels({ ...spec.labels, 'org.talk-certify.spec': specHash(spec) })
    .withStartupTimeout(spec.startupTimeoutMs);
  if (spec.command.length > 0) c = c.withCommand(spec.command);
  if (spec.user) c = c.withUser(spec.user);
  if (spec.exposedPorts.length > 0) {
    c = c.withExposedPorts(...spec.exposedPorts.map((p) => (p.host ? { container: p.container, host: p.host, protocol: p.protocol } : (`${p.container}/${p.protocol}` as const))));
  }
  if (spec.files.length > 0) c = c.withCopyContentToContainer(spec.files.map((f) => ({ content: f.content, target: f.target, mode: f.mode })));
  if (spec.healthCheck) {
    const h = spec.healthCheck;
    c = c.withHealthCheck({ test: h.test, interval: h.intervalMs, timeout: h.timeoutMs, retries: h.retries, startPeriod: h.startPeriodMs });
  }
  c = c.withWaitStrategy(spec.wait.kind === 'health' ? waitFor.forHealthCheck() : waitFor.forLogMessage(spec.wait.pattern));
  if (reuse) c = c.withReuse();
  return c;
}

async function runOcc(nextcloud: StartedTestContainer, cmd: OccCommand, log: (line: string) => void): Promise<void> {
  const exec = nextcloud.exec(['php', 'occ', '--no-interaction', '--no-ansi', ...cmd.args], {
    user: 'www-data',
    workingDir: '/var/www/html',
    env: cmd.env ?? {},
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`occ ${cmd.args[0]} did not finish within ${OCC_TIMEOUT_MS} ms`)), OCC_TIMEOUT_MS);
  });
  try {
    const res = await Promise.race([exec, timeout]);
    if (res.exitCode === 0) {
      log(`  occ ${cmd.args[0]}: ${cmd.title}`);
      return;
    }
    if (cmd.alreadyDone?.test(res.output)) {
      log(`  occ ${cmd.args[0]}: ${cmd.title} (already done)`);
      return;
    }
    throw new Error(`occ ${redactText(cmd.args.join(' '))} (${cmd.title}) failed with exit code ${res.exitCode}: ${truncateBody(redactText(res.output), 600)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Codes under which a platform that is still starting answers; anything else is a real problem. */
const NOT_READY_YET = new Set(['NETWORK', 'TIMEOUT', 'MAINTENANCE', 'NOT_INSTALLED', 'NOT_NEXTCLOUD', 'HTTP_STATUS']);

/** Polls the platform the way the suite will see it: through the proxy, TLS against the CA, anonymous capabilities. */
export async function waitUntilReady(url: string, caFile: string, log: (line: string) => void, timeoutMs = READINESS_TIMEOUT_MS): Promise<TargetProbe> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const probe = await probeTarget(url, undefined, caFile);
      if (probe.talk.installed) {
        log(`Platform ready: Nextcloud ${probe.status.versionstring}, Talk ${probe.talk.version ?? '?'}.`);
        return probe;
      }
      last = `Nextcloud ${probe.status.versionstring} answers, but ${probe.talk.reason}`;
    } catch (err) {
      if (!(err instanceof TalkError) || !NOT_READY_YET.has(err.code)) throw err;
      last = err.message;
    }
    if (Date.now() >= deadline) {
      throw new TalkError(
        'TALK_MISSING',
        `the testcontainers platform at ${url} was not ready within ${timeoutMs / 1000} s (status.php installed and Talk in the capabilities); last seen: ${last}`,
      );
    }
    await new Promise((r) => setTimeout(r, READINESS_POLL_INTERVAL_MS));
  }
}

export async function startTestcontainersPlatform(opts: TestcontainersOptions): Promise<StartedTestcontainersPlatform> {
  const { log } = opts;
  const engine = await detectContainerEngine();
  log(`Container engine at ${engine.uri} (API ${engine.serverVersion}); launching Nextcloud ${opts.nextcloudVersion}${opts.reuse ? ' (reuse mode)' : ''}…`);
  const tc = await import('testcontainers');
  const client = await tc.getContainerRuntimeClient();

  const state = await loadOrCreateState(opts);
  registerPlatformSecrets(state.secrets);
  const publicHost = engine.host;
  const tls = await tlsFor(state, publicHost);
  const input: PlatformInput = {
    nextcloudVersion: opts.nextcloudVersion,
    platformKey: state.key,
    reuse: opts.reuse,
    secrets: state.secrets,
    tls: { certPem: tls.certPem, keyPem: tls.keyPem },
    publicHost,
    ports: state.ports,
  };
  const spec = platformSpec(input);

  // A reused platform needs a network that outlives this process, under a name the next run
  // finds; testcontainers' Network is tied to its session (the reaper removes it).
  let network: { name: string; stop(): Promise<void> };
  if (opts.reuse) {
    const name = `talk-certify-${state.key}`;
    const existing = client.network.getById(name);
    try {
      await existing.inspect();
    } catch {
      await client.network.create({ Name: name, Driver: 'bridge', Labels: { [LABELS.platform]: state.key, [LABELS.reuse]: 'true' } });
    }
    network = { name, stop: async () => {} };
  } else {
    const started = await new tc.Network().start();
    network = { name: started.getName(), stop: async () => void (await started.stop()) };
  }

  const running: { spec: ContainerSpec; container: StartedTestContainer }[] = [];
  const teardown = async () => {
    for (const { spec: s, container } of running.reverse()) {
      await container.stop({ remove: true, removeVolumes: true }).catch((err: unknown) => log(`  could not remove ${s.role}: ${(err as Error).message}`));
    }
    await network.stop().catch((err: unknown) => log(`  could not remove network ${network.name}: ${(err as Error).message}`));
    rmSync(path.join(opts.workDir, state.key), { recursive: true, force: true });
  };

  try {
    for (const s of spec.containers) {
      const t0 = Date.now();
      const container = await toContainer(tc.GenericContainer, s, network.name, opts.reuse, tc.Wait).start();
      running.push({ spec: s, container });
      log(`  ${s.role.padEnd(9)} ${s.image} up (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const byRole = (role: ContainerSpec['role']) => running.find((r) => r.spec.role === role)!.container;
    // Browsers reach coturn at its address on the platform network: on Linux the host routes to
    // container networks directly, so relay candidates are real addresses and no NAT sits in between.
    const turnServer = `${byRole('turn').getIpAddress(network.name)}:443`;
    log(`Setting up Talk through occ (TURN/STUN ${turnServer})…`);
    for (const cmd of occCommands({ url: spec.url, turnServer, secrets: state.secrets })) {
      await runOcc(byRole('nextcloud'), cmd, log);
    }
    const probe = await waitUntilReady(spec.url, tls.caFile, log);
    return {
      url: spec.url,
      caFile: tls.caFile,
      accounts: platformAccounts(state.secrets),
      turnServer,
      probe,
      stop: opts.reuse
        ? async () => {
            log(
              `Platform kept for the next run (TALK_TC_REUSE): ${spec.url}. Remove it with ` +
                `\`docker rm -f $(docker ps -aq --filter label=${LABELS.platform}=${state.key}) && docker network rm ${network.name}\` ` +
                `and \`rm -r ${reuseDir(opts.nextcloudVersion)}\`.`,
            );
          }
        : async () => {
            log('Removing the testcontainers platform…');
            await teardown();
          },
    };
  } catch (err) {
    // A reused platform that failed to come up is not worth keeping either.
    await teardown();
    throw err;
  }
}
