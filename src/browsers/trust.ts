import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firefox } from '@playwright/test';

/**
 * What a browser must be given to reach a target the way its users' browsers do, for things a
 * browser context option cannot cover:
 *
 * - A private CA (TALK_CA_FILE, or the reference platform's per-run CA) for TURN over TLS:
 *   `ignoreHTTPSErrors` covers page loads only; Chromium's and Firefox's TURN-over-TLS sockets
 *   verify the TURN server's certificate against the browser's trust store (a turns: URL fails
 *   with icecandidateerror 701 otherwise). The CA is added as a trust anchor of this one browser
 *   process only, never of the machine, and nothing is told to skip verification:
 *   - Chromium reads the NSS database `$HOME/.pki/nssdb`, so it is launched with a HOME of its
 *     own holding a database with the CA (certutil, Debian package libnss3-tools).
 *   - Firefox reads the NSS database of its profile, which Playwright creates at launch. The
 *     browser is started through firefox-with-ca.sh, which copies a database already holding the
 *     CA into that profile before Firefox starts. (Adding the CA to the running profile's database
 *     right after launch, as before, raced Firefox's first TLS connection: `turn.relay.tls`
 *     [firefox] warned with a 701 now and then.)
 * - Host names no DNS serves (the reference platform's TURN name; `target.hosts`):
 *   Chromium `--host-resolver-rules`; Firefox has no per-name rule, see firefoxForceResolvePrefs.
 */

export interface TargetTrust {
  /** PEM file of the CA to trust, or undefined for a target with a publicly trusted certificate. */
  caFile: string | undefined;
  /** Host name → address, for names no DNS serves. */
  hosts: Record<string, string> | undefined;
}

export type LaunchOptionsLike = {
  executablePath?: string;
  args?: string[];
  env?: Record<string, string | number | boolean | undefined>;
  firefoxUserPrefs?: Record<string, string | number | boolean>;
};

/** The NSS nickname of the target CA in the browser's database. */
const NSS_NICKNAME = 'talk-certify target CA';

export class BrowserTrustError extends Error {
  readonly code = 'BROWSER_TRUST';
}

function certutil(args: string[]): void {
  try {
    execFileSync('certutil', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new BrowserTrustError(
        'certutil is missing: the browsers are given the target CA (TALK_CA_FILE or the reference platform CA) through an NSS database. Install it: apt-get install libnss3-tools (or run scripts/setup.sh).',
      );
    }
    throw new BrowserTrustError(`certutil ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/** Adds the CA as a trust anchor for TLS servers (`C,,`) to the NSS sql database in `dir`, creating it if needed. */
export function addCaToNssDb(dir: string, caFile: string): void {
  mkdirSync(dir, { recursive: true });
  if (!readdirSync(dir).includes('cert9.db')) certutil(['-N', '-d', `sql:${dir}`, '--empty-password']);
  certutil(['-A', '-d', `sql:${dir}`, '-n', NSS_NICKNAME, '-t', 'C,,', '-i', caFile]);
}

/** Starts Firefox with the CA already in its profile (see the script's header). */
export const FIREFOX_WITH_CA = fileURLToPath(new URL('./firefox-with-ca.sh', import.meta.url));

/**
 * Launch options for one browser of the run: the given ones plus the target's trust and host
 * names. Returns a cleanup for what it created (Chromium's HOME, Firefox's template database).
 * A Firefox without `executablePath` is Playwright's own build (src/browsers/detect.ts gives
 * every installed Firefox its path).
 */
export function launchOptionsForTarget<T extends LaunchOptionsLike>(browserName: string, options: T, trust: TargetTrust): { options: T; cleanup: () => void; notes: string[] } {
  const hosts = Object.entries(trust.hosts ?? {});
  const notes: string[] = [];
  if (browserName === 'chromium') {
    const args = [...(options.args ?? [])];
    const env = { ...(options.env ?? process.env) } as Record<string, string | number | boolean | undefined>;
    let home: string | null = null;
    if (hosts.length > 0) {
      args.push(`--host-resolver-rules=${hosts.map(([name, ip]) => `MAP ${name} ${ip}`).join(', ')}`);
      notes.push(`Chromium resolves ${hosts.map(([n, ip]) => `${n} to ${ip}`).join(', ')} (--host-resolver-rules)`);
    }
    if (trust.caFile) {
      home = mkdtempSync(path.join(os.tmpdir(), 'talk-certify-chromium-home-'));
      addCaToNssDb(path.join(home, '.pki', 'nssdb'), trust.caFile);
      env.HOME = home;
      notes.push(`Chromium trusts ${trust.caFile} (NSS database in its own HOME)`);
    }
    const cleanup = () => {
      if (home) rmSync(home, { recursive: true, force: true });
      process.off('exit', cleanup);
    };
    // Also when the worker exits without tearing its fixtures down.
    if (home) process.once('exit', cleanup);
    return { options: { ...options, args, ...(home ? { env } : {}) }, cleanup, notes };
  }
  if (browserName === 'firefox' && trust.caFile) {
    const template = mkdtempSync(path.join(os.tmpdir(), 'talk-certify-firefox-nss-'));
    const cleanup = () => {
      rmSync(template, { recursive: true, force: true });
      process.off('exit', cleanup);
    };
    try {
      addCaToNssDb(template, trust.caFile);
    } catch (err) {
      cleanup();
      throw err;
    }
    process.once('exit', cleanup);
    const real = options.executablePath ?? firefox.executablePath();
    const env = { ...(options.env ?? process.env), TALK_CERTIFY_FIREFOX: real, TALK_CERTIFY_NSS_TEMPLATE: template };
    notes.push(`Firefox trusts ${trust.caFile} (an NSS database holding it is put into its profile before it starts, src/browsers/firefox-with-ca.sh)`);
    return { options: { ...options, executablePath: FIREFOX_WITH_CA, env }, cleanup, notes };
  }
  return { options, cleanup: () => {}, notes };
}

/**
 * Firefox has no per-name mapping; `network.dns.forceResolve` sends every connection, IP literals
 * included, to one address, so page loads of the target break. Only a browser that opens no page
 * of the target (the TURN relay checks, which gather on about:blank) may get it: a second Firefox.
 * Returns null when no name needs mapping.
 */
export function firefoxForceResolvePrefs(hosts: Record<string, string> | undefined): { prefs: Record<string, string>; note: string } | null {
  const entries = Object.entries(hosts ?? {});
  if (entries.length === 0) return null;
  const addresses = [...new Set(entries.map(([, ip]) => ip))];
  if (addresses.length > 1) {
    throw new BrowserTrustError(
      `Firefox can be given one address for all unresolvable names (network.dns.forceResolve), but the target needs ${entries.map(([n, ip]) => `${n} → ${ip}`).join(', ')}.`,
    );
  }
  return {
    prefs: { 'network.dns.forceResolve': addresses[0]! },
    note: `a separate Firefox that resolves every host name to ${addresses[0]} (network.dns.forceResolve, for ${entries.map(([n]) => n).join(', ')}; it opens no page of the target)`,
  };
}
