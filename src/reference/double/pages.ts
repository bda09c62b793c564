import { randomBytes } from 'node:crypto';
import type { UiProfile } from '../ui-profiles.ts';
import { callPageBody } from './call-page.ts';
import { escapeHtml } from './context.ts';

/** Core's common bundle (dist/core-common.js): defines the `OC` global, see docroot.ts. */
export const CORE_COMMON_SCRIPT = 'dist/core-common.js';
/** The first-run wizard's bundle (apps/firstrunwizard/js/firstrunwizard-main.js), see docroot.ts. */
export const FIRST_RUN_WIZARD_SCRIPT = 'apps/firstrunwizard/js/firstrunwizard-main.js';

/**
 * The double's HTML pages. Nextcloud 32 renders the login form with Vue; the double serves the
 * same form server-side, with the names, ids, labels and texts a browser sees in the real one
 * (docs/reference/nc32-samples/login/login-form-chromium.html, login-chromium.json), so selectors written
 * against the double work on a real Nextcloud. `/call/{token}` is the call page of call-page.ts.
 */

export interface Page {
  html: string;
  csp: string;
  featurePolicy: string;
}

/** A fresh CSP nonce, base64 of 32 random bytes like Nextcloud's ContentSecurityPolicyNonceManager. */
function nonce(): string {
  return randomBytes(32).toString('base64');
}

/** Nextcloud's default template policy (sample static-js-missing.headers.txt). */
function templateCsp(n: string, extra: { connect?: string; media?: string; worker?: string; script?: string } = {}): string {
  return [
    "default-src 'none'",
    "base-uri 'none'",
    "manifest-src 'self'",
    `script-src 'nonce-${n}'${extra.script ? ` ${extra.script}` : ''}`,
    `script-src-elem 'strict-dynamic' 'nonce-${n}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https://*.tile.openstreetmap.org",
    "font-src 'self' data:",
    `connect-src 'self'${extra.connect ? ` ${extra.connect}` : ''}`,
    `media-src 'self'${extra.media ? ` ${extra.media}` : ''}`,
    ...(extra.worker ? [`worker-src ${extra.worker}`, `child-src ${extra.worker}`] : []),
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "form-action 'self'",
  ].join(';');
}

/** Feature-Policy of template pages; Talk allows camera, microphone and fullscreen for its own origin (spreed FeaturePolicyListener). */
function featurePolicy(talkInstalled: boolean): string {
  const av = talkInstalled ? "'self'" : "'none'";
  return `autoplay 'self';camera ${av};fullscreen 'self';geolocation 'none';microphone ${av};payment 'none'`;
}

/**
 * What a logged-in user's page (core/templates/layout.user.php) carries besides its body:
 * `<head data-user data-user-displayname data-requesttoken>`, core's common bundle (the `OC`
 * global: OC.requestToken, OC.generateUrl, OC.webroot) and, while the user has not closed it, the
 * first-run wizard's script (firstrunwizard's BeforeTemplateRenderedEvent listener adds it to
 * user pages; src/first-run.ts opens the modal on DOMContentLoaded).
 */
export interface UserLayout {
  userId: string;
  displayName: string;
  firstRunWizard: boolean;
}

function layout(opts: { title: string; nonce: string; requestToken: string; body: string; bodyId: string; user?: UserLayout }): string {
  const u = opts.user;
  const userAttrs = u ? ` data-user="${escapeHtml(u.userId)}" data-user-displayname="${escapeHtml(u.displayName)}"` : '';
  const scripts = u
    ? `\n<script nonce="${opts.nonce}" defer src="/${CORE_COMMON_SCRIPT}?v=0"></script>${u.firstRunWizard ? `\n<script nonce="${opts.nonce}" defer src="/${FIRST_RUN_WIZARD_SCRIPT}?v=0"></script>` : ''}`
    : '';
  return `<!DOCTYPE html>
<html class="ng-csp" data-placeholder-focus="false" lang="en" data-locale="en" translate="no">
<head${userAttrs} data-requesttoken="${escapeHtml(opts.requestToken)}">
<meta charset="utf-8">
<title>${escapeHtml(opts.title)}</title>
<meta name="csp-nonce" nonce="${opts.nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0, minimum-scale=1.0">
<meta name="theme-color" content="#00679e">
<link rel="icon" href="/core/img/logo/logo.svg?v=0">${scripts}
</head>
<body id="${opts.bodyId}">
${opts.body}
</body>
</html>
`;
}

export interface LoginPageOptions {
  requestToken: string;
  user: string;
  redirectUrl: string | null;
  /**
   * The error of the last attempt, as LoginController stores it in `loginMessages` and
   * LoginForm.vue shows it: `invalidpassword` → "Wrong login or password.", `userdisabled` →
   * "This account is disabled" (the password field's helper text), `csrfCheckFailed` → an error
   * NcNoteCard "Temporary error" / "Please try again." above the headline.
   */
  error: 'invalidpassword' | 'userdisabled' | 'csrfCheckFailed' | null;
  /** The throttler's delay for this address is above 5 s (LoginForm.vue `throttleDelay > 5000`). */
  throttled?: boolean;
  talkInstalled: boolean;
}

/** LoginForm.vue errorLabel: the password field's helper text, invalidpassword first, then userdisabled, then the throttle. */
function loginErrorLabel(o: LoginPageOptions): string | null {
  if (o.error === 'invalidpassword') return 'Wrong login or password.';
  if (o.error === 'userdisabled') return 'This account is disabled';
  if (o.throttled) return 'We have detected multiple invalid login attempts from your IP. Therefore your next login is throttled up to 30 seconds.';
  return null;
}

/** GET /login (core LoginController::showLoginForm + LoginForm.vue as rendered). */
export function loginPage(o: LoginPageOptions): Page {
  const n = nonce();
  const label = loginErrorLabel(o);
  const error = label ? `\n\t\t<p class="login-form__error">${escapeHtml(label)}</p>` : '';
  // NcNoteCard type error (nextcloud-vue NcNoteCard.vue: role alert, heading paragraph, the slot's text).
  const csrfCard =
    o.error === 'csrfCheckFailed'
      ? '\n\t\t<div class="notecard notecard--error" role="alert"><div><p class="notecard__heading">Temporary error</p>Please try again.</div></div>'
      : '';
  const redirect = o.redirectUrl ? `\n\t\t<input type="hidden" name="redirect_url" value="${escapeHtml(o.redirectUrl)}">` : '';
  const body = `<main id="content" class="app-core">
<div class="guest-box login-box">
<form method="post" name="login" action="/login" class="login-form">
	<fieldset data-login-form="" class="login-form__fieldset">${csrfCard}
		<h2 data-login-form-headline="" class="login-form__headline">Log in to Nextcloud</h2>
		<div class="input-field">
			<input id="user" type="text" name="user" maxlength="255" autocapitalize="none" autocomplete="username" required="required" data-login-form-input-user="" value="${escapeHtml(o.user)}">
			<label for="user" class="input-field__label">Account name or email</label>
		</div>
		<div class="input-field input-field--trailing-icon">
			<input id="password" type="password" name="password" autocapitalize="none" autocomplete="current-password" required="required" data-login-form-input-password="">
			<label for="password" class="input-field__label">Password</label>
			<button type="button" aria-label="Show password" class="input-field__trailing-button" data-login-form-show-password=""></button>
		</div>${error}
		<button type="submit" class="button-vue button-vue--vue-primary button-vue--wide" data-login-form-submit=""><span class="button-vue__text">Log in</span></button>
		<input type="hidden" name="timezone" value="UTC">
		<input type="hidden" name="timezone_offset" value="0">
		<input type="hidden" name="requesttoken" value="${escapeHtml(o.requestToken)}">${redirect}
	</fieldset>
</form>
</div>
</main>
<script nonce="${n}">
(() => {
	const form = document.forms.login;
	const pw = document.getElementById('password');
	form.querySelector('[data-login-form-show-password]').addEventListener('click', (e) => {
		const show = pw.type === 'password';
		pw.type = show ? 'text' : 'password';
		e.currentTarget.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
	});
	try {
		form.timezone.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
		form.timezone_offset.value = String(-new Date().getTimezoneOffset() / 60);
	} catch {}
	form.addEventListener('submit', () => {
		const b = form.querySelector('[data-login-form-submit] .button-vue__text');
		if (b) b.textContent = 'Logging in …';
	});
})();
</script>`;
  return {
    html: layout({ title: 'Login – Nextcloud', nonce: n, requestToken: o.requestToken, body, bodyId: 'body-login' }),
    csp: templateCsp(n),
    featurePolicy: featurePolicy(o.talkInstalled),
  };
}

export interface AppPageOptions {
  requestToken: string;
  userId: string;
  displayName: string;
  /** Show the first-run wizard (app enabled, the user has not closed it). */
  firstRunWizard: boolean;
}

function userLayout(o: AppPageOptions): UserLayout {
  return { userId: o.userId, displayName: o.displayName, firstRunWizard: o.firstRunWizard };
}

/**
 * The Talk page (`/apps/spreed/`, `/call/{token}`): title "Talk - Nextcloud", with the CSP
 * additions of Talk's PageController (connect to any host and blob:, blob: media and workers)
 * and `'wasm-unsafe-eval'` (ContentSecurityPolicy::allowEvalWasm): MediaPipe (Talk >= 22.0.3)
 * compiles on the page itself. Assumed, not read in Talk's source: before 22.0.3 the TFLite
 * build compiled in a worker, where the page's policy does not apply.
 */
export function talkPage(o: AppPageOptions & { token: string | null; conversationName?: string | null; ui: UiProfile; capabilities: Record<string, unknown> }): Page {
  const n = nonce();
  const body = o.token
    ? callPageBody({ token: o.token, conversationName: o.conversationName ?? null, nonce: n, version: o.ui.talkVersion, ui: o.ui, capabilities: o.capabilities })
    : `<div id="content" class="app-spreed" role="main">
<div id="content-vue" class="content"></div>
</div>`;
  return {
    html: layout({ title: 'Talk - Nextcloud', nonce: n, requestToken: o.requestToken, body, bodyId: 'body-user', user: userLayout(o) }),
    csp: templateCsp(n, { connect: '* blob:', media: 'blob:', worker: "blob: 'self'", script: "blob: 'self' 'wasm-unsafe-eval'" }),
    featurePolicy: featurePolicy(true),
  };
}

/** Any other app page (the dashboard after login). */
export function appPage(o: AppPageOptions & { app: string; title: string }, talkInstalled: boolean): Page {
  const n = nonce();
  const body = `<div id="content" class="app-${escapeHtml(o.app)}" role="main"><h2>${escapeHtml(o.title)}</h2></div>`;
  return {
    html: layout({ title: `${o.title} - Nextcloud`, nonce: n, requestToken: o.requestToken, body, bodyId: 'body-user', user: userLayout(o) }),
    csp: templateCsp(n),
    featurePolicy: featurePolicy(talkInstalled),
  };
}

/** Nextcloud's 404 page (core/templates/404.php), for anything the router does not know. */
export function notFoundPage(requestToken: string, talkInstalled: boolean): Page {
  const n = nonce();
  const body = `<div class="body-login-container update">
<h2>Page not found</h2>
<p class="infogroup">The page could not be found on the server or you may not be allowed to view it.</p>
<p><a class="button primary" href="/">Back to Nextcloud</a></p>
</div>`;
  return { html: layout({ title: 'Nextcloud', nonce: n, requestToken, body, bodyId: 'body-login' }), csp: templateCsp(n), featurePolicy: featurePolicy(talkInstalled) };
}

/** core/templates/429.php: what Nextcloud renders once the throttler's maximum is reached (HTTP 429). */
export function tooManyRequestsPage(requestToken: string, talkInstalled: boolean): Page {
  const n = nonce();
  const body = `<div class="body-login-container update">
	<h2>Too many requests</h2>
	<p class="infogroup">There were too many requests from your network. Retry later or contact your administrator if this is an error.</p>
</div>`;
  return { html: layout({ title: 'Nextcloud', nonce: n, requestToken, body, bodyId: 'body-login' }), csp: templateCsp(n), featurePolicy: featurePolicy(talkInstalled) };
}
