import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/**
 * Issue 15 point 3: scripts/setup.sh installs only what a run on that kind of target needs. A URL
 * run (a hoster certifying their own Nextcloud) gets the browsers, not the reference platform's
 * web server, TURN server, firewall tools or HPB. `--list` prints the plan and installs nothing.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const plan = (target: string) =>
  execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.sh'), '--for', target, '--list'], { encoding: 'utf8' })
    .trim()
    .split(/\s+/);
const REFERENCE_ONLY = ['nginx-light', 'coturn', 'iproute2', 'iptables', 'hpb'];

test('a URL run installs the browsers and the CA tool only', () => {
  const url = plan('url');
  expect(url).toEqual(expect.arrayContaining(['chromium', 'firefox-esr', 'libnss3-tools']));
  for (const p of REFERENCE_ONLY) expect(url, p).not.toContain(p);
});

test('the reference platform adds its web server, TURN server, network tools and the HPB; `all` (npm test) is the same', () => {
  const ref = plan('reference');
  expect(ref).toEqual(expect.arrayContaining([...plan('url'), ...REFERENCE_ONLY, 'openssl']));
  expect(plan('all').sort()).toEqual(ref.sort());
  expect(plan('testcontainers')).toEqual([...plan('url'), 'openssl']);
});

test("npm run certify installs npm first and the target's packages once the target is known; npm test installs everything", () => {
  const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  expect(scripts['certify']).toMatch(/^bash scripts\/setup\.sh --npm-only && tsx src\/cli\/certify\.ts$/);
  expect(scripts['test']).toMatch(/^bash scripts\/setup\.sh && /);
  const cli = readFileSync(path.join(ROOT, 'src', 'cli', 'certify.ts'), 'utf8');
  expect(cli).toMatch(/'--system-only', '--for', config\.target/);
});

test('an unknown target or option is refused with the usage', () => {
  expect(() => execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.sh'), '--for', 'cloud', '--list'], { stdio: 'pipe' })).toThrow(
    /--for must be all, url, reference or testcontainers/,
  );
  expect(() => execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.sh'), '--bogus'], { stdio: 'pipe' })).toThrow(/unknown option --bogus/);
});
