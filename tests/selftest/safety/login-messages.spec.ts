import { type Browser, type BrowserContext, type Page, expect, test } from '@playwright/test';
import type { ReferencePlatform } from '../../../src/reference/index.ts';
import { CHROMIUM_MISSING, test as platformTest } from '../support/platform.ts';
import { LOGIN_MAX_FAILURES, LOGIN_THROTTLE_MESSAGE_AFTER } from '../../../src/reference/double/server.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';
import { LoginPageError, LoginRejectedError, classifyLoginPageText, logInThroughPage } from '../../../src/talk/ui/login.ts';
import { NOT_ROOT, NOT_ROOT_REASON } from '../reference/helpers.ts';

/**
 * Issue 12 point 4 (login): every message Nextcloud's login page shows instead of logging in is
 * reported in words with what to do — never a bare 30 s timeout. The double's login page is driven
 * into each of them: a wrong password, a disabled account, a failed CSRF check (bad request token
 * and a foreign Origin: "Temporary error" / "Please try again."), the throttle text, the 429 page,
 * and a page that never shows the form.
 */

test('the page texts map to the right kind, the most specific first', () => {
  expect(classifyLoginPageText('Log in to Nextcloud … Wrong login or password. Log in')?.kind).toBe('credentials');
  expect(classifyLoginPageText('This account is disabled')?.kind).toBe('disabled');
  expect(classifyLoginPageText('Temporary error Please try again. Log in to Nextcloud')?.kind).toBe('csrf');
  expect(classifyLoginPageText('Too many incorrect login attempts. Please try again in 30 seconds.')?.kind).toBe('throttled');
  expect(classifyLoginPageText('An internal error occurred. Please try again or contact your administrator.')?.kind).toBe('server');
  expect(classifyLoginPageText('Too many requests There were too many requests from your network.')?.kind).toBe('throttled');
  // An info note is not a refusal.
  expect(classifyLoginPageText('This community release of Nextcloud is unsupported and push notifications are limited. Log in to Nextcloud')).toBeNull();
});

platformTest.describe("the double's login page, driven into each message", () => {
  platformTest.skip(NOT_ROOT, NOT_ROOT_REASON);
  // The worker's good platform, reset before each test, and its Chromium (tests/selftest/support/platform.ts).

  /** Logs in through the page of `platform` in a fresh context of `browser`. */
  const attemptOn = (browser: Browser, platform: ReferencePlatform) =>
    async function attempt(
      creds: { user: string; password: string },
      prepare?: (page: Page) => Promise<unknown>,
    ): Promise<{ result?: Awaited<ReturnType<typeof logInThroughPage>>; error?: unknown; posts: number }> {
      const context: BrowserContext = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        const page = await context.newPage();
        let posts = 0;
        page.on('request', (r) => {
          if (r.method() === 'POST' && new URL(r.url()).pathname === '/login') posts++;
        });
        await prepare?.(page);
        const started = Date.now();
        try {
          const result = await logInThroughPage(page, platform.url, creds, undefined, { timeoutMs: 8_000 });
          return { result, posts };
        } catch (error) {
          // Answered from what the page showed, not after a timeout.
          if (error instanceof LoginRejectedError) expect(Date.now() - started, 'a message is recognised without waiting for a timeout').toBeLessThan(8_000);
          return { error, posts };
        }
      } finally {
        await context.close();
      }
    };

  platformTest('each refusal is reported in words with what to do, after exactly one POST', async ({ platform, chromiumBrowser: browser }) => {
    platformTest.skip(!browser, CHROMIUM_MISSING);
    const attempt = attemptOn(browser!, platform);
    const { alice, admin } = platform.users;

    // A bad request token (a session cookie lost on the way) → csrfCheckFailed: "Temporary error" / "Please try again.".
    const badToken = await attempt(alice, (page) =>
      page.route('**/login', (route) =>
        route.request().method() === 'POST'
          ? route.continue({ postData: (route.request().postData() ?? '').replace(/requesttoken=[^&]*/, 'requesttoken=not-the-token') })
          : route.continue(),
      ),
    );
    expect(badToken.error).toBeInstanceOf(LoginRejectedError);
    expect((badToken.error as LoginRejectedError).kind).toBe('csrf');
    expect((badToken.error as Error).message).toMatch(
      /"Temporary error: Please try again\." \(CSRF\/Origin check failed\): "Please try again\."[\s\S]*session cookie did not come back[\s\S]*trusted_domains[\s\S]*Not a password problem/,
    );
    expect(badToken.posts).toBe(1);

    // A foreign Origin (a proxy that rewrites the host, TALK_URL not in trusted_domains) → the same.
    // The browser does not let a page override Origin; the POST is sent by Playwright's own client
    // with the context's cookies and the foreign Origin, and its answer handed to the page. (Should
    // the session not come along, the token check refuses it the same way: one message for both.)
    const foreign = await attempt(alice, (page) =>
      page.route('**/login', async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        const response = await route.fetch({ headers: { ...route.request().headers(), origin: 'https://evil.example' }, maxRedirects: 0 });
        return route.fulfill({ response });
      }),
    );
    expect((foreign.error as LoginRejectedError).kind).toBe('csrf');

    // A disabled account.
    const http = new HttpClient(platform.url, { caFile: platform.caFile });
    const adminOcs = new OcsClient(http, { user: admin.user, password: admin.password });
    const id = 'tc-selftest-loginmsg-disabled';
    const password = 'Disabled-Account-Pw-1';
    await adminOcs.post('cloud/users', { userid: id, password }, { expect: [200] });
    try {
      await adminOcs.request(`cloud/users/${id}/disable`, { method: 'PUT', expect: [200] });
      const disabled = await attempt({ user: id, password });
      expect((disabled.error as LoginRejectedError).kind).toBe('disabled');
      expect((disabled.error as Error).message).toMatch(/rejected "tc-selftest-loginmsg-disabled": "This account is disabled"[\s\S]*occ user:enable/);
      expect((disabled.error as Error).message).not.toContain(password);
    } finally {
      await adminOcs.delete(`cloud/users/${id}`, { expect: [200] });
      await http.close();
    }

    // Wrong passwords until the throttler's delay would pass 5 s (one failure so far: the disabled account).
    for (let i = 1; i < LOGIN_THROTTLE_MESSAGE_AFTER; i++) {
      const wrong = await attempt({ user: 'alice', password: `not-her-password-${i}` });
      expect((wrong.error as LoginRejectedError).kind).toBe('credentials');
      expect((wrong.error as Error).message).toContain('"Wrong login or password."');
      expect(wrong.posts).toBe(1);
    }
    // The throttle text on the page before the login is noted; the login itself still works (Nextcloud only delays it).
    const throttledButOk = await attempt(alice);
    expect(throttledButOk.error, String(throttledButOk.error)).toBeUndefined();
    expect(throttledButOk.result?.notes?.join(' ')).toMatch(/already showed "We have detected multiple invalid login attempts from your IP/);

    // Past the maximum, POST /login answers the 429 page.
    for (let i = LOGIN_THROTTLE_MESSAGE_AFTER; i < LOGIN_MAX_FAILURES; i++) await attempt({ user: 'alice', password: `not-her-password-${i}` });
    const blocked = await attempt(alice);
    expect((blocked.error as LoginRejectedError).kind).toBe('throttled');
    expect((blocked.error as Error).message).toMatch(
      /because this machine is throttled: "Too many requests" \(the login POST answered HTTP 429\)[\s\S]*occ security:bruteforce:reset <ip>/,
    );
    expect(blocked.posts).toBe(1);
  });

  platformTest('a login page that never shows the form is said as such, with what it shows instead', async ({ platform, chromiumBrowser: browser }) => {
    platformTest.skip(!browser, CHROMIUM_MISSING);
    const attempt = attemptOn(browser!, platform);
    // What a proxy answers when Nextcloud behind it is down.
    const r = await attempt(platform.users.alice, (page) =>
      page.route('**/login', (route) =>
        route.fulfill({
          status: 502,
          contentType: 'text/html',
          body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
        }),
      ),
    );
    expect(r.error).toBeInstanceOf(LoginPageError);
    expect((r.error as LoginPageError).step).toBe('open the login page');
    expect((r.error as Error).message).toMatch(
      /never showed Nextcloud's login form \(form\[name="login"\] with input\[name="user"\]\) within 8 s; it shows https:\/\/.*\/login \(HTTP 502\), title "502 Bad Gateway", text "502 Bad Gateway nginx"/,
    );
    expect(r.posts).toBe(0);
  });
});
