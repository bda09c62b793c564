import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { BrowserTrustError, FIREFOX_WITH_CA, type LaunchOptionsLike, addCaToNssDb, firefoxForceResolvePrefs, launchOptionsForTarget } from '../../../src/browsers/trust.ts';

/** The launch options that make a browser trust a private CA and resolve undeclared names (no browser started). */
let dir: string;
let caFile: string;
test.beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tc-trust-'));
  caFile = path.join(dir, 'ca.pem');
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    path.join(dir, 'ca.key'),
    '-out',
    caFile,
    '-days',
    '1',
    '-subj',
    '/CN=tc trust test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ]);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('Chromium: its own HOME with an NSS database that trusts the CA for TLS servers, and host-resolver rules; removed on cleanup', () => {
  const { options, cleanup } = launchOptionsForTarget<LaunchOptionsLike>('chromium', { args: ['--no-first-run'] }, { caFile, hosts: { 'turn.example.test': '10.213.9.3' } });
  expect(options.args).toEqual(['--no-first-run', '--host-resolver-rules=MAP turn.example.test 10.213.9.3']);
  const home = String(options.env?.HOME);
  expect(home).not.toBe(process.env.HOME);
  const listing = execFileSync('certutil', ['-L', '-d', `sql:${home}/.pki/nssdb`], { encoding: 'utf8' });
  expect(listing).toMatch(/talk-certify target CA\s+C,,/);
  cleanup();
  expect(existsSync(home)).toBe(false);
});

test('no CA and no names: the launch options are left as they are (a publicly trusted target)', () => {
  const given = { args: ['--x'] };
  expect(launchOptionsForTarget('chromium', given, { caFile: undefined, hosts: undefined }).options).toEqual({ args: ['--x'] });
  expect(launchOptionsForTarget('firefox', { firefoxUserPrefs: { a: 1 } }, { caFile: undefined, hosts: { n: '10.0.0.1' } }).options).toEqual({ firefoxUserPrefs: { a: 1 } });
});

test('Firefox starts with the CA already in the profile Playwright made for it (no race with its first TLS connection)', () => {
  // A stand-in for Firefox: prints its arguments and what its profile's NSS database trusts.
  const fake = path.join(dir, 'fake-firefox');
  writeFileSync(fake, '#!/bin/sh\necho "args: $*"\nfor a in "$@"; do p=$prev; prev=$a; [ "$p" = --profile ] && certutil -L -d "sql:$a"; done\nexit 0\n', { mode: 0o755 });
  const { options, cleanup, notes } = launchOptionsForTarget<LaunchOptionsLike>('firefox', { executablePath: fake, firefoxUserPrefs: { a: 1 } }, { caFile, hosts: undefined });
  expect(options.executablePath).toBe(FIREFOX_WITH_CA);
  expect(options.firefoxUserPrefs).toEqual({ a: 1 });
  expect(notes.join()).toContain('before it starts');
  const profile = mkdtempSync(path.join(dir, 'profile-'));
  const env = options.env as Record<string, string>;
  const out = execFileSync(FIREFOX_WITH_CA, ['--remote-debugging-port=0', '--profile', profile, '--no-remote'], { env, encoding: 'utf8' });
  expect(out).toContain(`args: --remote-debugging-port=0 --profile ${profile} --no-remote`);
  expect(out).toMatch(/talk-certify target CA\s+C,,/);
  // Playwright's own Firefox build takes `-profile`.
  const own = mkdtempSync(path.join(dir, 'profile-'));
  execFileSync(FIREFOX_WITH_CA, ['-profile', own], { env, encoding: 'utf8' });
  expect(existsSync(path.join(own, 'cert9.db'))).toBe(true);
  // Without a profile argument it refuses, saying why, instead of starting a Firefox that lacks the CA.
  const refused = spawnSync(FIREFOX_WITH_CA, ['--headless'], { env, encoding: 'utf8' });
  expect(refused.status).toBe(64);
  expect(refused.stderr).toContain('without --profile');
  const template = env['TALK_CERTIFY_NSS_TEMPLATE']!;
  expect(existsSync(path.join(template, 'cert9.db'))).toBe(true);
  cleanup();
  expect(existsSync(template)).toBe(false);
});

test('Firefox: a CA file certutil cannot read is a clear error before any browser starts', () => {
  const bad = path.join(dir, 'not-a-ca.pem');
  writeFileSync(bad, 'not a certificate');
  expect(() => launchOptionsForTarget('firefox', {}, { caFile: bad, hosts: undefined })).toThrow(BrowserTrustError);
});

test('Firefox: names resolve through network.dns.forceResolve (for a separate browser), which takes one address only', () => {
  expect(firefoxForceResolvePrefs(undefined)).toBeNull();
  expect(firefoxForceResolvePrefs({ 'turn.example.test': '10.213.9.3' })?.prefs).toEqual({ 'network.dns.forceResolve': '10.213.9.3' });
  expect(() => firefoxForceResolvePrefs({ a: '10.0.0.1', b: '10.0.0.2' })).toThrow(BrowserTrustError);
});

test('adding the CA twice to a database is harmless', () => {
  const db = path.join(dir, 'db');
  addCaToNssDb(db, caFile);
  addCaToNssDb(db, caFile);
  expect(execFileSync('certutil', ['-L', '-d', `sql:${db}`], { encoding: 'utf8' }).match(/talk-certify target CA/g)).toHaveLength(1);
});
