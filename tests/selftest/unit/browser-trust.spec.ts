import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { BrowserTrustError, type LaunchOptionsLike, addCaToNssDb, firefoxForceResolvePrefs, launchOptionsForTarget } from '../../../src/browsers/trust.ts';

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
  expect(launchOptionsForTarget('firefox', { firefoxUserPrefs: { a: 1 } }, { caFile, hosts: { n: '10.0.0.1' } }).options).toEqual({ firefoxUserPrefs: { a: 1 } });
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
