import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConfigError, parseConfig } from '../../../src/config/index.ts';
import { ContainerEngineUnavailableError, detectContainerEngine, engineUnavailableMessage, lookForEngine } from '../../../src/targets/testcontainers/engine.ts';
import { ROOT } from '../certification/run-certify.ts';
import { engineStatus } from './engine-status.ts';

/** `npm run certify` with TALK_TARGET=testcontainers must give up fast where no engine runs: Playwright's start plus the engine lookup. */
const FAIL_FAST_MS = 30_000;

test('the lookup names every place an engine could be announced, and the docker client on PATH', () => {
  const present = new Set(['/var/run/docker.sock']);
  const l = lookForEngine({ DOCKER_HOST: 'tcp://10.1.2.3:2375', PATH: '/usr/local/bin:/usr/bin', XDG_RUNTIME_DIR: '/run/user/1000' }, (p) => present.has(p));
  expect(l.looked.map((x) => x.what)).toEqual(expect.arrayContaining(['DOCKER_HOST', '/var/run/docker.sock', '/run/user/1000/docker.sock', '/run/user/1000/podman/podman.sock']));
  expect(l.looked.find((x) => x.what === 'DOCKER_HOST')).toMatchObject({ found: true, detail: 'tcp://10.1.2.3:2375' });
  expect(l.looked.find((x) => x.what === '/var/run/docker.sock')?.found).toBe(true);
});

test('the message says what was looked for, what answered, and what to do', () => {
  const msg = engineUnavailableMessage(
    {
      looked: [
        { what: 'DOCKER_HOST', found: false, detail: 'unset' },
        { what: '/var/run/docker.sock', found: false },
      ],
      clients: ['/usr/local/bin/docker'],
    },
    'Could not find a working container runtime strategy',
  );
  expect(msg).toContain('TALK_TARGET=testcontainers needs a running container engine');
  expect(msg).toContain('looked for: DOCKER_HOST (unset), /var/run/docker.sock (absent)');
  expect(msg).toContain('Could not find a working container runtime strategy');
  expect(msg).toContain('/usr/local/bin/docker is installed, but a command line client is not an engine');
  expect(msg).toMatch(/fix: install and start Docker Engine .* Podman .* reference platform \(unset TALK_TARGET\) or your own Nextcloud \(TALK_URL/);
  const socketThere = engineUnavailableMessage({ looked: [{ what: '/var/run/docker.sock', found: true }], clients: [] }, 'connect EACCES');
  expect(socketThere).toContain('found /var/run/docker.sock, but the engine there did not answer: connect EACCES');
});

test('TALK_NEXTCLOUD_VERSION and TALK_TC_REUSE are validated and only belong to the testcontainers target', () => {
  const c = parseConfig({ TALK_TARGET: 'testcontainers' });
  expect(c.testcontainers).toEqual({ nextcloudVersion: '32', reuse: false });
  expect(parseConfig({ TALK_TARGET: 'testcontainers', TALK_NEXTCLOUD_VERSION: '30.0.4', TALK_TC_REUSE: 'yes' }).testcontainers).toEqual({
    nextcloudVersion: '30.0.4',
    reuse: true,
  });
  const problems = (env: Record<string, string>) => {
    try {
      parseConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    return '';
  };
  expect(problems({ TALK_TARGET: 'testcontainers', TALK_NEXTCLOUD_VERSION: '29' })).toContain(
    'TALK_NEXTCLOUD_VERSION must be a Nextcloud release of a supported major (30, 31, 32)',
  );
  expect(problems({ TALK_TARGET: 'testcontainers', TALK_NEXTCLOUD_VERSION: 'latest' })).toContain('TALK_NEXTCLOUD_VERSION');
  expect(problems({ TALK_TARGET: 'testcontainers', TALK_TC_REUSE: 'maybe' })).toContain('TALK_TC_REUSE must be 1/true/yes or 0/false/no');
  expect(problems({ TALK_TARGET: 'testcontainers', TALK_URL: 'https://cloud.example.com' })).toContain('TALK_URL must be empty with TALK_TARGET=testcontainers');
  expect(problems({ TALK_NEXTCLOUD_VERSION: '32' })).toContain('TALK_NEXTCLOUD_VERSION selects the Nextcloud image of TALK_TARGET=testcontainers');
  expect(problems({ TALK_TC_REUSE: '1' })).toContain('TALK_TC_REUSE keeps the TALK_TARGET=testcontainers platform');
});

test.describe('on a machine without a container engine', () => {
  test.beforeEach(async () => {
    const status = await engineStatus();
    test.skip(status.available, `a container engine answers here (${status.detail}); the fail-fast path cannot be shown`);
  });

  test('engine detection fails within seconds with a ContainerEngineUnavailableError', async () => {
    const t0 = Date.now();
    const err = await detectContainerEngine().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerEngineUnavailableError);
    expect((err as ContainerEngineUnavailableError).code).toBe('CONTAINER_ENGINE_UNAVAILABLE');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  test('npm run certify with TALK_TARGET=testcontainers exits 2 fast, naming the cause and the way out', async () => {
    const reportDir = mkdtempSync(path.join(os.tmpdir(), 'tc-selftest-engine-'));
    const env: NodeJS.ProcessEnv = { ...process.env, TALK_TARGET: 'testcontainers', TALK_BROWSERS: 'chromium', TALK_REPORT_DIR: reportDir, TALK_CERTIFY_NO_DOTENV: '1' };
    for (const k of Object.keys(env)) if (k.startsWith('TALK_') && !['TALK_TARGET', 'TALK_BROWSERS', 'TALK_REPORT_DIR', 'TALK_CERTIFY_NO_DOTENV'].includes(k)) delete env[k];
    const t0 = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'src', 'cli', 'certify.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill('SIGINT'), FAIL_FAST_MS);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, output: out });
      });
    });
    expect(Date.now() - t0, output).toBeLessThan(FAIL_FAST_MS);
    expect(code, output).toBe(2);
    expect(output).toContain('TALK_TARGET=testcontainers needs a running container engine');
    expect(output).toContain('/var/run/docker.sock');
    expect(output).toMatch(/fix: install and start Docker Engine/);
  });
});
