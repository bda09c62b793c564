import type { Page } from '@playwright/test';

/**
 * Nextcloud's login page as a person uses it (talk-reference.md section 8; NC 32 core
 * LoginForm.vue): the fields by their `name` (`user`, `password`: stable since long before the
 * Vue rewrite, unlike labels and data attributes), the form's submit button, then either a
 * redirect away from /login or the form again with "Wrong login or password.".
 * Only a type import of Playwright: the page comes from the caller.
 */

/** A slow Nextcloud may take seconds to render the login page and to check a password (bcrypt/argon2, brute-force delay). */
export const LOGIN_TIMEOUT_MS = 30_000;

/** Texts Nextcloud's login form shows instead of logging in (core LoginController, LoginForm.vue). */
export const LOGIN_ERRORS = ['Wrong login or password.', 'This account is disabled', 'Too many requests'];

export class LoginRejectedError extends Error {
  readonly code = 'LOGIN_REJECTED';
}

export interface LoginResult {
  /** Where the browser landed after the login (no query: it may carry a redirect target only). */
  landedOn: string;
  ms: number;
}

/**
 * Logs in through the page and stops at the first answer: a rejected login is never retried
 * (a retry with the same wrong password only feeds brute-force protection).
 */
export async function logInThroughPage(page: Page, baseUrl: string, creds: { user: string; password: string }, redirectPath?: string): Promise<LoginResult> {
  const t0 = Date.now();
  const url = new URL('login', baseUrl);
  if (redirectPath) url.searchParams.set('redirect_url', redirectPath);
  await page.goto(url.toString(), { waitUntil: 'domcontentloaded', timeout: LOGIN_TIMEOUT_MS });
  const form = page.locator('form[name="login"]');
  await form.locator('input[name="user"]').fill(creds.user, { timeout: LOGIN_TIMEOUT_MS });
  // Not fill(): Playwright titles that step `Fill "<value>"`, and step titles go into the HTML
  // report and Allure results whether or not the context is traced. The value is set the way a
  // password manager does (value + input/change events, which Nextcloud's Vue form listens to);
  // an evaluate step's title carries no arguments.
  await form.locator('input[name="password"]').evaluate((el, value) => {
    const input = el as HTMLInputElement;
    input.focus();
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, creds.password);
  const error = page.getByText(new RegExp(LOGIN_ERRORS.map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')));
  const left = page.waitForURL((u) => !/\/login\/?$/.test(u.pathname), { timeout: LOGIN_TIMEOUT_MS, waitUntil: 'domcontentloaded' }).then(() => 'in' as const);
  const rejected = error.first().waitFor({ timeout: LOGIN_TIMEOUT_MS }).then(() => 'rejected' as const);
  await form.locator('[type="submit"]').first().click();
  const outcome = await Promise.race([left, rejected]);
  // The loser of the race keeps waiting until its timeout; swallow its rejection.
  left.catch(() => {});
  rejected.catch(() => {});
  if (outcome === 'rejected') {
    const text = (await error.first().textContent())?.trim() ?? 'rejected';
    throw new LoginRejectedError(
      `the login page rejected "${creds.user}": "${text}". Check the login name and password (TALK_USER/TALK_PASSWORD, TALK_USER2/TALK_PASSWORD2, ` +
        'or the admin pair that creates throwaway users), and that the account is enabled. Not retried, so brute-force protection is not triggered.',
    );
  }
  const landed = new URL(page.url());
  return { landedOn: landed.origin + landed.pathname, ms: Date.now() - t0 };
}
