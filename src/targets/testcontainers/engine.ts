import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Is there a container engine testcontainers can drive? Answered before anything else of the
 * target starts, within seconds, and in words an operator can act on: what was looked for, what
 * was found, what to do.
 */

/** testcontainers tries each socket strategy in turn; a reachable engine answers its ping in well under a second. */
export const ENGINE_DETECT_TIMEOUT_MS = 8_000;

export class ContainerEngineUnavailableError extends Error {
  readonly code = 'CONTAINER_ENGINE_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ContainerEngineUnavailableError';
  }
}

export interface EngineLookup {
  /** Each place an engine could be announced or listen, and whether something is there. */
  looked: { what: string; found: boolean; detail?: string }[];
  /** The docker (or podman) command line client, when installed: a client is not an engine. */
  clients: string[];
}

function onPath(binary: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const p = path.join(dir, binary);
    if (existsSync(p)) return p;
  }
  return null;
}

/** The places testcontainers (and the docker CLI) look for an engine, checked on disk without connecting. */
export function lookForEngine(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): EngineLookup {
  const home = os.homedir();
  const uid = process.getuid?.() ?? 0;
  const runtimeDir = env.XDG_RUNTIME_DIR ?? `/run/user/${uid}`;
  const sockets = [
    '/var/run/docker.sock',
    path.join(runtimeDir, 'docker.sock'),
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    path.join(runtimeDir, 'podman', 'podman.sock'),
    '/run/podman/podman.sock',
  ];
  const propsFile = path.join(home, '.testcontainers.properties');
  const looked: EngineLookup['looked'] = [
    { what: 'DOCKER_HOST', found: Boolean(env.DOCKER_HOST), ...(env.DOCKER_HOST ? { detail: env.DOCKER_HOST } : { detail: 'unset' }) },
    { what: 'TESTCONTAINERS_HOST_OVERRIDE', found: Boolean(env.TESTCONTAINERS_HOST_OVERRIDE), detail: env.TESTCONTAINERS_HOST_OVERRIDE ?? 'unset' },
    { what: propsFile, found: exists(propsFile) },
    ...sockets.map((s) => ({ what: s, found: exists(s) })),
  ];
  const clients = ['docker', 'podman'].map((b) => onPath(b, env.PATH)).filter((p): p is string => p !== null);
  return { looked, clients };
}

/** The message when no engine answers. Pure, for the unit tests. */
export function engineUnavailableMessage(lookup: EngineLookup, cause: string): string {
  const describe = (l: EngineLookup['looked'][number]) => `${l.what} (${l.detail ?? (l.found ? 'present' : 'absent')})`;
  const present = lookup.looked.filter((l) => l.found);
  const lines = [
    'TALK_TARGET=testcontainers needs a running container engine (Docker or Podman) and none answers on this machine.',
    `  looked for: ${lookup.looked.map(describe).join(', ')}`,
    present.length > 0 ? `  found ${present.map((l) => l.what).join(', ')}, but the engine there did not answer: ${cause}` : `  testcontainers: ${cause}`,
  ];
  if (lookup.clients.length > 0) {
    lines.push(`  ${lookup.clients.join(', ')} ${lookup.clients.length > 1 ? 'are' : 'is'} installed, but a command line client is not an engine (no daemon runs behind it).`);
  }
  lines.push(
    '  fix: install and start Docker Engine (https://docs.docker.com/engine/install/) or Podman with its Docker-compatible socket ' +
      '(`systemctl --user enable --now podman.socket` and DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock); ' +
      'or certify without containers: the built-in reference platform (unset TALK_TARGET) or your own Nextcloud (TALK_URL=…).',
  );
  return lines.join('\n');
}

export interface EngineInfo {
  /** Where testcontainers connects (e.g. unix:///var/run/docker.sock). */
  uri: string;
  /** Host name under which published ports are reached (usually localhost). */
  host: string;
  serverVersion: string;
}

/**
 * Connects through testcontainers' own discovery (DOCKER_HOST, ~/.testcontainers.properties,
 * the usual sockets) and pings the engine, bounded by a timeout so that an unreachable
 * DOCKER_HOST cannot hang the run. Throws ContainerEngineUnavailableError.
 */
export async function detectContainerEngine(timeoutMs = ENGINE_DETECT_TIMEOUT_MS): Promise<EngineInfo> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const client = await Promise.race([getContainerRuntimeClient(), timeout]);
    const info = client.info.containerRuntime;
    return { uri: info.remoteSocketPath, host: info.host, serverVersion: String(info.serverVersion) };
  } catch (err) {
    throw new ContainerEngineUnavailableError(engineUnavailableMessage(lookForEngine(), err instanceof Error ? err.message : String(err)));
  } finally {
    clearTimeout(timer);
  }
}
