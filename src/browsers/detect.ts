import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, firefox, webkit } from 'playwright-core';
import type { BrowserRecord } from '../verdict/types.ts';
import { type BrowserName, DEFAULT_BROWSERS } from './names.ts';

/**
 * Finds out which browsers can run here, without launching them. Playwright's own builds win
 * when installed (`npx playwright install`); otherwise the distribution's packages are used:
 * Debian's chromium, and Firefox ESR driven over WebDriver BiDi (channel `moz-firefox`).
 * Nothing is hard-coded to one machine: every candidate is probed on disk.
 */

export interface BrowserLaunch {
  /** Playwright engine: decides which `browserType` launches it. */
  browserName: 'chromium' | 'firefox' | 'webkit';
  channel?: string;
  executablePath?: string;
  args?: string[];
  firefoxUserPrefs?: Record<string, string | number | boolean>;
}

export interface DetectedBrowser {
  name: BrowserName;
  available: boolean;
  /** Launch settings when available. */
  launch: BrowserLaunch | null;
  record: BrowserRecord;
}

/** Camera and microphone are fake, permission prompts auto-accepted: a certification run has no person at the keyboard. */
const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // Debian's chromium otherwise opens connections to Google services at start; on a closed
  // network they fail and add noise to the console the checks read.
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Same reason as for Chromium: no calls home during a certification.
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
};

function playwrightBuild(type: { executablePath(): string }): string | null {
  try {
    const p = type.executablePath();
    return p && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** Playwright runs headless Chromium from its separate headless-shell build. */
function playwrightHeadlessShellInstalled(chromiumPath: string): boolean {
  const registry = path.resolve(chromiumPath, '..', '..', '..');
  try {
    return readdirSync(registry).some((d) => d.startsWith('chromium_headless_shell-'));
  } catch {
    return false;
  }
}

function firstExisting(paths: string[]): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

function record(name: BrowserName, fields: Partial<BrowserRecord>): BrowserRecord {
  return { project: name, name, version: null, channel: null, executable: null, notRunReason: null, ...fields };
}

function available(name: BrowserName, launch: BrowserLaunch, label: string): DetectedBrowser {
  return {
    name,
    available: true,
    launch,
    record: record(name, { label, channel: launch.channel ?? null, executable: launch.executablePath ?? null }),
  };
}

function absent(name: BrowserName, reason: string): DetectedBrowser {
  return { name, available: false, launch: null, record: record(name, { notRunReason: reason }) };
}

/** The distribution's or Mozilla's Firefox, driven over WebDriver BiDi (Playwright channel `moz-firefox`). */
function installedFirefox(name: BrowserName): DetectedBrowser | null {
  const distro = firstExisting(['/usr/bin/firefox-esr', '/usr/bin/firefox', '/snap/bin/firefox']);
  if (!distro) return null;
  return available(
    name,
    { browserName: 'firefox', channel: 'moz-firefox', executablePath: distro, firefoxUserPrefs: FIREFOX_PREFS },
    path.basename(distro) === 'firefox-esr' ? 'Firefox ESR (WebDriver BiDi)' : 'Firefox (WebDriver BiDi)',
  );
}

export function detectBrowser(name: BrowserName): DetectedBrowser {
  switch (name) {
    case 'chromium': {
      const own = playwrightBuild(chromium);
      if (own && playwrightHeadlessShellInstalled(own)) return available(name, { browserName: 'chromium', args: CHROMIUM_ARGS }, 'Chromium (Playwright build)');
      const distro = firstExisting(['/usr/bin/chromium', '/usr/bin/chromium-browser']);
      if (distro) return available(name, { browserName: 'chromium', executablePath: distro, args: CHROMIUM_ARGS }, 'Chromium (distribution package)');
      return absent(name, 'Chromium not found: install it with `apt-get install chromium` (Debian) or `npx playwright install chromium`.');
    }
    case 'firefox': {
      const own = playwrightBuild(firefox);
      if (own) return available(name, { browserName: 'firefox', firefoxUserPrefs: FIREFOX_PREFS }, 'Firefox (Playwright build)');
      return installedFirefox(name) ?? absent(name, 'Firefox not found: install it with `apt-get install firefox-esr` (Debian) or `npx playwright install firefox`.');
    }
    case 'moz-firefox':
      // The installed Firefox whether or not Playwright's build is there too.
      return (
        installedFirefox(name) ??
        absent(
          name,
          "No installed Firefox found (/usr/bin/firefox-esr, /usr/bin/firefox, /snap/bin/firefox): install it with `apt-get install firefox-esr` (Debian) or Mozilla's package.",
        )
      );
    case 'webkit': {
      const own = playwrightBuild(webkit);
      if (own) return available(name, { browserName: 'webkit' }, 'WebKit (Playwright build)');
      return absent(
        name,
        "WebKit not installed: Playwright's WebKit build is the only one it can drive and no distribution package provides it. " +
          'Run `npx playwright install --with-deps webkit` where that download is allowed.',
      );
    }
    case 'chrome':
    case 'chrome-beta':
    case 'msedge': {
      const paths: Record<string, string> = {
        chrome: '/opt/google/chrome/chrome',
        'chrome-beta': '/opt/google/chrome-beta/chrome',
        msedge: '/opt/microsoft/msedge/msedge',
      };
      const exe = paths[name]!;
      if (existsSync(exe)) return available(name, { browserName: 'chromium', channel: name, args: CHROMIUM_ARGS }, name);
      return absent(name, `${name} is not installed (expected ${exe}); install it with \`npx playwright install ${name}\` or the vendor's package.`);
    }
    case 'moz-firefox-beta': {
      const exe = '/opt/firefox-beta/firefox';
      if (existsSync(exe)) return available(name, { browserName: 'firefox', channel: name, executablePath: exe, firefoxUserPrefs: FIREFOX_PREFS }, 'Firefox Beta (WebDriver BiDi)');
      return absent(name, `Firefox Beta is not installed (expected ${exe}).`);
    }
  }
}

/** The browsers asked for (TALK_BROWSERS, or the default three engines), each detected. */
export function detectBrowsers(asked: readonly BrowserName[] | undefined): DetectedBrowser[] {
  return (asked ?? DEFAULT_BROWSERS).map(detectBrowser);
}
