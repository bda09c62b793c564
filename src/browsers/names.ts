/**
 * Browser names accepted in TALK_BROWSERS. Each becomes one Playwright project when it is
 * available on this machine; one asked for but absent is reported as not run, with the reason.
 * - chromium: Playwright's Chromium build if installed, else the distribution's (/usr/bin/chromium).
 * - firefox: Playwright's Firefox build if installed, else the installed Firefox/Firefox ESR over WebDriver BiDi.
 * - moz-firefox: the installed Firefox/Firefox ESR over WebDriver BiDi, even where Playwright's Firefox
 *   build is installed too (so that one run, e.g. a CI job, certifies both).
 * - webkit: Playwright's WebKit build (stands in for Safari); there is no distribution package for it.
 * - chrome, chrome-beta, msedge, moz-firefox-beta: branded channels, where installed.
 */
export const BROWSER_NAMES = ['chromium', 'firefox', 'webkit', 'chrome', 'chrome-beta', 'msedge', 'moz-firefox', 'moz-firefox-beta'] as const;
export type BrowserName = (typeof BROWSER_NAMES)[number];

/** Asked for when TALK_BROWSERS is unset: the three engines Talk supports. */
export const DEFAULT_BROWSERS: readonly BrowserName[] = ['chromium', 'firefox', 'webkit'];
