import { THROTTLE_REMEDY } from '../errors.ts';
import type { Page } from '@playwright/test';

/**
 * Nextcloud's login page as a person uses it (docs/reference/talk-reference.md section 8; NC 32 core
 * LoginForm.vue): the fields by their `name` (`user`, `password`: stable since long before the
 * Vue rewrite, unlike labels and data attributes), the form's submit button, then either a
 * redirect away from /login or the form again with a message. Every message Nextcloud shows there
 * instead of logging in is recognised and reported in words with what to do (LOGIN_PAGE_MESSAGES);
 * a page that never shows the form, or that neither logs in nor shows a message, is said as such
 * instead of a bare timeout.
 * Only a type import of Playwright: the page comes from the caller.
 */

/** A slow Nextcloud may take seconds to render the login page and to check a password (bcrypt/argon2, brute-force delay). */
export const LOGIN_TIMEOUT_MS = 30_000;
const DEFAULT_LOGIN_TIMEOUT_MS = LOGIN_TIMEOUT_MS;
/** After the answer to the login POST is loaded, its message (rendered by LoginForm.vue) appears within this. */
export const LOGIN_MESSAGE_TIMEOUT_MS = 10_000;

/** Why Nextcloud's login page did not log in, as the suite reports it. */
export type LoginRejection = 'credentials' | 'disabled' | 'csrf' | 'throttled' | 'server';

export interface LoginPageMessage {
  /** What the page shows (matched as a substring of the page's text). */
  text: string;
  kind: LoginRejection;
  /** Where Nextcloud shows it. */
  source: string;
  /** What it means and what to do. */
  advice: string;
}

const CREDENTIALS_ADVICE =
  'Check the login name and password (TALK_USER/TALK_PASSWORD, TALK_USER2/TALK_PASSWORD2, or the admin pair that creates throwaway users). ' +
  "App passwords do not work in Nextcloud's login form (nextcloud/server#3993): give the account password.";
/** What the login page's throttle messages mean, then the one remedy text (src/talk/errors.ts). */
const THROTTLE_ADVICE = `Nextcloud's brute-force protection is throttling this machine's IP address (earlier failed logins). ${THROTTLE_REMEDY}`;

/**
 * Every message Nextcloud 30–32's login page shows instead of logging in, most specific first
 * (the newer throttle text contains "Please try again"). Sources (nextcloud/server):
 * core/src/components/login/LoginForm.vue (errorLabel: invalidpassword, userdisabled,
 * throttleDelay > 5000; NcNoteCard for csrfCheckFailed "Temporary error" / "Please try again.",
 * apacheAuthFailed, internalexception), core/Controller/LoginController.php (tryLogin: a failed
 * CSRF check or an Origin that is not a trusted domain → csrfCheckFailed/invalidOrigin;
 * "Unsupported email length (>255)"), core/templates/429.php (the whole page once the maximum
 * delay is reached: "Too many requests").
 * The info notes of `loginMessages` (e.g. "This community release of Nextcloud is unsupported and
 * push notifications are limited.") are not refusals and are deliberately absent.
 */
export const LOGIN_PAGE_MESSAGES: readonly LoginPageMessage[] = [
  { text: 'Wrong login or password.', kind: 'credentials', source: 'LoginForm.vue invalidpassword', advice: CREDENTIALS_ADVICE },
  { text: 'Wrong username or password.', kind: 'credentials', source: 'LoginForm.vue invalidpassword (Nextcloud < 28)', advice: CREDENTIALS_ADVICE },
  {
    text: 'This account is disabled',
    kind: 'disabled',
    source: 'LoginForm.vue userdisabled',
    advice: 'An administrator disabled the account: enable it (`occ user:enable <user>`, or Administration settings > Accounts) or use another one.',
  },
  { text: 'We have detected multiple invalid login attempts from your IP', kind: 'throttled', source: 'LoginForm.vue throttleDelay > 5000', advice: THROTTLE_ADVICE },
  { text: 'Too many incorrect login attempts', kind: 'throttled', source: 'LoginForm.vue throttleDelay > 5000 (newer wording)', advice: THROTTLE_ADVICE },
  { text: 'Too many requests', kind: 'throttled', source: 'core/templates/429.php (HTTP 429: maximum delay reached)', advice: THROTTLE_ADVICE },
  {
    text: 'Please try again.',
    kind: 'csrf',
    source: 'LoginForm.vue csrfCheckFailed ("Temporary error"), LoginController::tryLogin',
    advice:
      'Nextcloud refused the form as a possible cross-site request: the session cookie did not come back with the login (a proxy or load balancer that drops or ' +
      "rewrites cookies, PHP sessions not shared between backends), or the browser's Origin is not one of Nextcloud's trusted domains (the URL in TALK_URL must be " +
      'in `trusted_domains`; a proxy in front must pass the Host header, and `overwritehost`/`overwriteprotocol` must match it). Not a password problem.',
  },
  {
    text: 'Please try again or contact your administrator.',
    kind: 'server',
    source: 'LoginForm.vue internalexception',
    advice: 'Nextcloud hit an internal error while logging in: see its log (nextcloud.log) for the exception.',
  },
  {
    text: 'Server side authentication failed!',
    kind: 'server',
    source: 'LoginForm.vue apacheAuthFailed',
    advice: "The web server's own authentication (apache auth) failed: check its configuration.",
  },
  { text: 'Unsupported email length (>255)', kind: 'credentials', source: 'LoginController::tryLogin', advice: CREDENTIALS_ADVICE },
];

/** Back-compatible list of the texts. */
export const LOGIN_ERRORS: readonly string[] = LOGIN_PAGE_MESSAGES.map((m) => m.text);

/** The message of a page text, the most specific first; null when none is there. */
export function classifyLoginPageText(pageText: string): LoginPageMessage | null {
  const flat = pageText.replace(/\s+/g, ' ');
  // "Please try again or contact your administrator." also contains "Please try again": the longer, more specific text wins.
  const hits = LOGIN_PAGE_MESSAGES.filter((m) => flat.includes(m.text.replace(/\s+/g, ' ')) || (m.text === 'Please try again.' && /Please try again(?!\s+(or|in)\b)/.test(flat)));
  if (hits.length === 0) return null;
  const specific = hits.filter((m) => m.kind !== 'csrf');
  return specific[0] ?? hits[0]!;
}

/** The login page refused the login with one of its messages. Never retried. */
export class LoginRejectedError extends Error {
  readonly code = 'LOGIN_REJECTED';
  constructor(
    message: string,
    readonly kind: LoginRejection,
    /** The message as the page showed it. */
    readonly pageMessage: string,
  ) {
    super(message);
    this.name = 'LoginRejectedError';
  }
}

/**
 * The login page could not be used at all: it never showed Nextcloud's login form, or after the
 * submit it neither logged in nor showed any message Nextcloud shows. The message says what the
 * page showed instead. Not a verdict on the platform's login by itself: the suite could not drive it.
 */
export class LoginPageError extends Error {
  readonly code = 'LOGIN_PAGE_UNUSABLE';
  constructor(
    message: string,
    readonly step: 'open the login page' | 'submit the login form',
  ) {
    super(message);
    this.name = 'LoginPageError';
  }
}

export interface LoginResult {
  /** Where the browser landed after the login (no query: it may carry a redirect target only). */
  landedOn: string;
  ms: number;
  /** What the page said on the way that did not stop the login (e.g. the throttle text). */
  notes?: string[];
}

/** What a page shows, in a line: its URL (no query), title and the start of its visible text. */
async function describePage(page: Page, status: number | null): Promise<string> {
  const u = new URL(page.url());
  const title = await page.title().catch(() => '');
  const text = await page
    .locator('body')
    .innerText({ timeout: 2_000 })
    .catch(() => '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return `${u.origin}${u.pathname}${status !== null ? ` (HTTP ${status})` : ''}, title "${title}", text "${flat.length > 200 ? `${flat.slice(0, 200)}…` : flat}"`;
}

/**
 * Logs in through the page and stops at the first answer: a rejected login is never retried
 * (a retry with the same wrong password only feeds brute-force protection).
 */
export async function logInThroughPage(
  page: Page,
  baseUrl: string,
  creds: { user: string; password: string },
  redirectPath?: string,
  options: { timeoutMs?: number } = {},
): Promise<LoginResult> {
  const LOGIN_TIMEOUT_MS = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  const t0 = Date.now();
  const url = new URL('login', baseUrl);
  if (redirectPath) url.searchParams.set('redirect_url', redirectPath);
  const res = await page.goto(url.toString(), { waitUntil: 'domcontentloaded', timeout: LOGIN_TIMEOUT_MS });
  const form = page.locator('form[name="login"]');
  const userField = form.locator('input[name="user"]');
  try {
    await userField.waitFor({ state: 'visible', timeout: LOGIN_TIMEOUT_MS });
  } catch {
    // Already throttled, maintenance, a proxy's error page, SSO in front, or a page without the form.
    const shown = await describePage(page, res?.status() ?? null);
    const msg = classifyLoginPageText(
      await page
        .locator('body')
        .innerText({ timeout: 2_000 })
        .catch(() => ''),
    );
    if (msg) throw rejection(creds.user, msg, `before any login was attempted; the page: ${shown}`);
    throw new LoginPageError(
      `the login page ${url.origin}${url.pathname} never showed Nextcloud's login form (form[name="login"] with input[name="user"]) within ${LOGIN_TIMEOUT_MS / 1000} s; ` +
        `it shows ${shown}. Check that TALK_URL is the URL users log in at, and that no single sign-on page or proxy error page stands in front of Nextcloud's own login.`,
      'open the login page',
    );
  }
  await userField.fill(creds.user, { timeout: LOGIN_TIMEOUT_MS });
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
  // The throttle text can be on the page before the submit (LoginForm.vue shows it whenever the
  // throttler's delay is above 5 s); the login may still succeed then, slowly. Noted, not a refusal.
  const notes: string[] = [];
  const before = classifyLoginPageText(
    await page
      .locator('body')
      .innerText({ timeout: 2_000 })
      .catch(() => ''),
  );
  if (before) notes.push(`before the login the page already showed "${before.text}" (${before.source})`);
  let postStatus: number | null = null;
  const onResponse = (r: import('@playwright/test').Response) => {
    if (r.request().method() === 'POST' && /\/login\/?$/.test(new URL(r.url()).pathname)) postStatus = r.status();
  };
  page.on('response', onResponse);
  // The form posts natively (LoginForm.vue only sets its loading state on submit): wait for the
  // document that answers it, so that nothing of the page before the submit is read as the answer.
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: LOGIN_TIMEOUT_MS });
  await form.locator('[type="submit"]').first().click();
  let answered = true;
  try {
    await navigated;
    await page.waitForLoadState('domcontentloaded', { timeout: LOGIN_TIMEOUT_MS });
  } catch {
    answered = false;
  }
  page.off('response', onResponse);
  if (answered && !/\/login\/?$/.test(new URL(page.url()).pathname)) {
    const landed = new URL(page.url());
    return { landedOn: landed.origin + landed.pathname, ms: Date.now() - t0, ...(notes.length ? { notes } : {}) };
  }
  if (answered) {
    // Still on /login: the form again with a message (rendered by Vue after load), or a 429 page.
    const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const shown = page.getByText(new RegExp(LOGIN_PAGE_MESSAGES.map((m) => escape(m.text.replace(/\.$/, ''))).join('|')));
    const seen = await shown
      .first()
      .waitFor({ timeout: LOGIN_MESSAGE_TIMEOUT_MS })
      .then(
        () => true,
        () => false,
      );
    if (seen) {
      const body = await page
        .locator('body')
        .innerText({ timeout: 2_000 })
        .catch(() => '');
      const msg = classifyLoginPageText(body) ?? LOGIN_PAGE_MESSAGES[0]!;
      throw rejection(creds.user, msg, postStatus !== null ? `(the login POST answered HTTP ${postStatus})` : '');
    }
  }
  throw new LoginPageError(
    `after submitting the login form for "${creds.user}", the page ${answered ? 'stayed on /login without' : 'did not answer within ' + LOGIN_TIMEOUT_MS / 1000 + ' s, and showed'} any message Nextcloud's login page shows` +
      `${postStatus !== null ? ` (the login POST answered HTTP ${postStatus})` : ' (no answer to the login POST was seen)'}; it shows ${await describePage(page, null)}.`,
    'submit the login form',
  );
}

function rejection(user: string, msg: LoginPageMessage, context: string): LoginRejectedError {
  const what =
    msg.kind === 'credentials' || msg.kind === 'disabled'
      ? `the login page rejected "${user}"`
      : msg.kind === 'throttled'
        ? `the login page refused the login of "${user}" because this machine is throttled`
        : msg.kind === 'csrf'
          ? `the login page refused the login of "${user}" with "Temporary error: Please try again." (CSRF/Origin check failed)`
          : `the login page could not log "${user}" in`;
  return new LoginRejectedError(
    `${what}: "${msg.text}"${context ? ` ${context}` : ''}. ${msg.advice} Not retried, so brute-force protection is not triggered (${msg.source}).`,
    msg.kind,
    msg.text,
  );
}
