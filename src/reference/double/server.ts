import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLarge, Ctx, type DoubleConfig } from './context.ts';
import { UI_PROFILES } from '../ui-profiles.ts';
import { capabilitiesFor, nextcloudRoutes, statusJson } from './nextcloud.ts';
import { type OcsRoute, compileRoutes, handleOcs, sameSecret } from './ocs.ts';
import { appPage, loginPage, notFoundPage, type Page, talkPage, tooManyRequestsPage } from './pages.ts';
import { ROOM_TYPE, Store, type User } from './store.ts';
import { talkEnabledFor, talkRoutes } from './talk.ts';

/** Failed login-form attempts from one address after which the login page shows the throttle text (delay > 5 s). */
export const LOGIN_THROTTLE_MESSAGE_AFTER = 8;
/** … and after which POST /login answers 429 "Too many requests" (core/templates/429.php). */
export const LOGIN_MAX_FAILURES = 9;

/**
 * The Talk double's HTTP server: what PHP-FPM + Nextcloud would answer behind nginx. nginx hands
 * it every request it cannot serve from disk, rewritten to `/index.php/…` as the admin manual's
 * configuration does, plus `/status.php` and `/ocs/v{1,2}.php/…`. Plain node:http, one process.
 */

export interface DoubleServer {
  /** `http://<host>:<port>/`: the double itself, bypassing nginx. */
  url: string;
  port: number;
  store: Store;
  close(): Promise<void>;
}

export interface StartDoubleOptions {
  host: string;
  config: DoubleConfig;
  store: Store;
  log?: (line: string) => void;
}

/** Static file types of the admin manual's asset location: a miss under /apps/ falls through to Nextcloud. */
const ASSET_EXTENSION = /\.(?:css|js|mjs|svg|gif|ico|jpg|png|webp|wasm|tflite|map|ogg|flac|otf|woff2?)$/;

/** Whether a request's Origin names the host the request went to, or the platform's own origin (trusted_domains). */
export function isOwnOrigin(origin: string, hostHeader: string, platformOrigin: string): boolean {
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  const hostname = (h: string) =>
    h
      .replace(/:\d+$/, '')
      .replace(/^\[|\]$/g, '')
      .toLowerCase();
  return (hostHeader !== '' && o.hostname.replace(/^\[|\]$/g, '').toLowerCase() === hostname(hostHeader)) || o.origin === new URL(platformOrigin).origin;
}

/**
 * Talk's routes that name a conversation (`{token}`) carry `#[BruteForceProtection(action:
 * 'talkRoomToken')]`; BruteForceMiddleware (core lib/private/AppFramework/Middleware/Security/
 * BruteForceMiddleware.php) refuses the request with 429 once the address reached the maximum
 * delay, otherwise delays it; a 404 for an unknown token or a conversation the caller is not in is
 * a throttled response (spreed RoomController, InjectionMiddleware), recorded as an attempt.
 * See bruteforce.ts for the numbers.
 */
function bruteForceProtected(route: OcsRoute): OcsRoute {
  if (!route.path.includes('{token}')) return route;
  const handler = route.handler;
  return {
    ...route,
    handler: async (ctx, out) => {
      const ip = ctx.clientAddress();
      const throttler = ctx.store.bruteforce;
      if (throttler.refuses(ip)) return out.fail(429, 'Reached maximum delay', [], 429, { 'X-Nextcloud-Bruteforce-Throttled': `${throttler.delayMs(ip)}ms` });
      const delay = throttler.delayMs(ip);
      if (delay > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
        if (ctx.signal.aborted) return;
        ctx.middlewareHeaders['X-Nextcloud-Bruteforce-Throttled'] = `${delay}ms`;
      }
      await handler(ctx, out);
      // Only a token naming no conversation (unknown, or deleted while requests were still in flight) counts here.
      if (ctx.res.statusCode === 404 && !ctx.store.rooms.has(ctx.params['token'] ?? '')) throttler.registerAttempt('talkRoomToken', ip);
    },
  };
}

/**
 * PHP-FPM's worker pool: at most `max` requests run at once, the others wait in line (a long
 * poll holds its worker while it waits, which is why Talk asks for enough of them).
 */
class WorkerPool {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number | null) {}

  async acquire(signal: AbortSignal): Promise<boolean> {
    if (this.max === null || this.busy < this.max) {
      this.busy++;
      return true;
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        this.busy++;
        resolve(true);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.busy--;
    this.waiting.shift()?.();
  }
}

export async function startDouble(opts: StartDoubleOptions): Promise<DoubleServer> {
  const { config, store } = opts;
  const ui = config.ui ?? UI_PROFILES.talk22;
  const firstRunWizardEnabled = config.firstRunWizard ?? true;
  const log = opts.log ?? (() => {});
  const talkFor = (user: User | null) => talkEnabledFor(config.profile.talk, user);
  const routes = compileRoutes([...nextcloudRoutes(), ...(config.profile.talk ? talkRoutes().map((r) => bruteForceProtected({ ...r, enabledFor: talkFor })) : [])]);
  // A profile whose client address Nextcloud already throttles (an earlier run's leftover attempts).
  for (let i = 0; i < (config.profile.bruteforce?.attemptsBefore ?? 0); i++) store.bruteforce.registerAttempt('talkRoomToken', '*');
  // What POST /__reference/reset returns to (control()).
  const startState = store.snapshot();
  const pool = new WorkerPool(config.profile.php.maxChildren);
  let stopped = false;
  // What the stop ends: every request in flight and every abandoned poll still holding its worker.
  // A set, not listeners on one shared AbortSignal: EventTarget's addEventListener walks the listeners
  // already there, O(requests in flight) per request (13 % of the double's CPU with 10,000 polls).
  const onStopping = new Set<() => void>();

  const server: Server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      log(`double: ${req.method} ${req.url} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end('{"message":"Internal Server Error"}');
      } else {
        res.destroy();
      }
    });
  });
  // Long polls take 30 s; Node's default request timeout (300 s) is fine, but keep-alive
  // connections from nginx must outlive nginx's own idle timeout of upstream connections.
  server.keepAliveTimeout = 75_000;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ac = new AbortController();
    const onStop = () => ac.abort();
    onStopping.add(onStop);
    // The client (or nginx on its behalf) went away before the answer: stop waiting for it.
    res.on('close', () => {
      onStopping.delete(onStop);
      if (!res.writableFinished) ac.abort();
    });
    const ctx = new Ctx(req, res, config, store, ac.signal);
    if (process.env.TALK_REFERENCE_DEBUG === '1') {
      const t0 = Date.now();
      log(`double: > ${req.method} ${ctx.path}`);
      res.on('close', () => log(`double: < ${req.method} ${ctx.path} ${res.statusCode} ${Date.now() - t0} ms${res.writableFinished ? '' : ' (client gone)'}`));
    }
    if (ctx.path === '/__reference/state' || ctx.path === '/__reference/reset') return control(ctx);
    if (!(await pool.acquire(ac.signal))) return;
    const heldUntil = config.profile.php.holdAbandonedPolls ? Date.now() + longPollHoldMs(ctx) : 0;
    try {
      await ctx.readBody();
      await route(ctx);
    } catch (err) {
      if (err instanceof BodyTooLarge) return ctx.sendJson(413, { message: 'Request Entity Too Large' });
      throw err;
    } finally {
      // PHP notices a client that went away only when it writes: a long poll whose client left
      // keeps sleeping in its worker until its timeout (profile php.holdAbandonedPolls).
      const rest = heldUntil - Date.now();
      if (rest > 0 && ac.signal.aborted && !stopped) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, rest);
          function done() {
            clearTimeout(t);
            onStopping.delete(done);
            resolve();
          }
          onStopping.add(done);
        });
      }
      pool.release();
    }
  }

  /** How long a request holds its worker at most when it is a chat long poll (min(30, timeout) s) or a signaling poll (30 s); 0 otherwise. */
  function longPollHoldMs(ctx: Ctx): number {
    if (ctx.method !== 'GET') return 0;
    if (/^\/ocs\/v[12]\.php\/apps\/spreed\/api\/v1\/chat\/[a-z0-9]{4,30}$/.test(ctx.path) && ctx.url.searchParams.get('lookIntoFuture') === '1') {
      const t = Number.parseInt(ctx.url.searchParams.get('timeout') ?? '30', 10);
      return Math.min(30, Math.max(0, Number.isFinite(t) ? t : 30)) * 1000;
    }
    if (/^\/ocs\/v[12]\.php\/apps\/spreed\/api\/v3\/signaling\/[a-z0-9]{4,30}$/.test(ctx.path)) return 30_000;
    return 0;
  }

  async function route(ctx: Ctx): Promise<void> {
    const p = ctx.path;
    const ocs = /^\/ocs\/v([12])\.php(\/.*)$/.exec(p);
    if (ocs) return handleOcs(ctx, ocs[1] === '1' ? 1 : 2, ocs[2]!, routes);
    if (p === '/status.php') return status(ctx);
    if (p === '/login' && ctx.method === 'POST') return loginPost(ctx);
    if (p === '/login') return loginGet(ctx);
    if (p === '/logout') return logout(ctx);
    if (p === '/csrftoken') return csrfToken(ctx);
    ctx.startSession();
    if (p === '/') return ctx.redirect(ctx.user ? `${config.baseUrl}apps/dashboard/` : '/login', 302);
    const call = /^\/call\/([a-z0-9]{4,30})\/?$/.exec(p);
    if (config.profile.talk && (p === '/apps/spreed' || p === '/apps/spreed/' || call)) return talk(ctx, call?.[1] ?? null);
    if (p === '/apps/firstrunwizard/wizard' && firstRunWizardEnabled) return closeFirstRunWizard(ctx);
    if (p === '/apps/dashboard/' || p === '/apps/dashboard') {
      if (requireLogin(ctx)) sendPage(ctx, 200, appPage({ ...appOptions(ctx), app: 'dashboard', title: 'Dashboard' }, Boolean(config.profile.talk)));
      return;
    }
    if (p.startsWith('/apps/') && ASSET_EXTENSION.test(p) && !ctx.user) {
      // A static file that is not on disk reaches Nextcloud, whose router wants a login (sample static-wasm-missing.*).
      return notLoggedIn(ctx);
    }
    return sendPage(ctx, 404, notFoundPage(ctx.requestToken(), Boolean(config.profile.talk)));
  }

  function sendPage(ctx: Ctx, status: number, page: Page): void {
    // Nextcloud's URL generator puts the webroot in front of every link it renders; the page
    // templates here are written for Nextcloud at `/`, so root-relative links get it when served.
    const webroot = config.webroot ?? '';
    const html = webroot ? page.html.replace(/(\s(?:href|src|action)=")\/(?!\/)/g, `$1${webroot}/`) : page.html;
    ctx.sendHtml(status, html, page.csp, page.featurePolicy);
  }

  function appOptions(ctx: Ctx) {
    return { requestToken: ctx.requestToken(), userId: ctx.user!.id, displayName: ctx.user!.displayName, firstRunWizard: firstRunWizardEnabled && !ctx.user!.firstRunWizardClosed };
  }

  /**
   * firstrunwizard's WizardController::disable (`DELETE /apps/firstrunwizard/wizard`, what the
   * wizard's close button sends with the request token): stores that the user closed it, 200 `[]`.
   * Logged out: 401 like every logged-in-only controller; without a valid request token:
   * SecurityMiddleware's 412 "CSRF check failed"; another verb: no route (404).
   */
  function closeFirstRunWizard(ctx: Ctx): void {
    if (ctx.method !== 'DELETE') return sendPage(ctx, 404, notFoundPage(ctx.requestToken(), Boolean(config.profile.talk)));
    if (!ctx.user) return ctx.sendJson(401, { message: 'Current user is not logged in' });
    if (!ctx.hasValidRequestToken()) return ctx.sendJson(412, { message: 'CSRF check failed' });
    ctx.user.firstRunWizardClosed = true;
    ctx.sendJson(200, []);
  }

  /** SecurityMiddleware::afterException for NotLoggedInException: JSON for API clients, a redirect to the login for browsers. */
  function notLoggedIn(ctx: Ctx): void {
    if (/html/i.test(ctx.header('accept'))) return ctx.redirect(`/login?redirect_url=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}`);
    ctx.sendJson(401, { message: 'Current user is not logged in' });
  }

  function requireLogin(ctx: Ctx): boolean {
    if (ctx.user) return true;
    ctx.redirect(`/login?redirect_url=${encodeURIComponent(ctx.url.pathname.replace(/^\/index\.php/, '') + ctx.url.search)}`);
    return false;
  }

  /** Talk's PageController: logged-out visitors of a room they cannot enter as guests go to the login (RedirectResponse, 303). */
  function talk(ctx: Ctx, token: string | null): void {
    if (!ctx.user) {
      const target = token ? `/call/${token}` : '/apps/spreed/';
      return ctx.redirect(`/login?redirect_url=${encodeURIComponent(target)}`);
    }
    // An app enabled only for other groups is not loaded for this user: its page does not exist.
    if (!talkFor(ctx.user)) return sendPage(ctx, 404, notFoundPage(ctx.requestToken(), false));
    const room = token ? ctx.store.rooms.get(token) : undefined;
    const conversationName = room && room.type !== ROOM_TYPE.oneToOne && room.attendees.has(ctx.user.id) ? room.name : null;
    sendPage(ctx, 200, talkPage({ ...appOptions(ctx), token, conversationName, ui, capabilities: capabilitiesFor(ctx) }));
  }

  /** status.php: no session, `application/json` without charset, CORS open (sample status-php.*). */
  function status(ctx: Ctx): void {
    ctx.sendSameSiteCookies();
    const headers = ctx.phpHeaders();
    ctx.send(
      200,
      {
        'Content-Type': 'application/json',
        'Content-Security-Policy':
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-src *; img-src * data: blob:; font-src 'self' data:; media-src *; connect-src *; object-src 'none'; base-uri 'self';",
        ...(headers['Set-Cookie'] ? { 'Set-Cookie': headers['Set-Cookie'] } : {}),
        'Access-Control-Allow-Origin': '*',
      },
      JSON.stringify(statusJson(ctx)),
    );
  }

  function loginGet(ctx: Ctx): void {
    const session = ctx.startSession();
    const redirectUrl = ctx.url.searchParams.get('redirect_url');
    if (ctx.user) return ctx.redirect(safeRedirect(redirectUrl) ?? `${config.baseUrl}apps/dashboard/`);
    const error = session.loginMessage as 'invalidpassword' | 'userdisabled' | 'csrfCheckFailed' | null;
    session.loginMessage = null;
    const throttled = loginFailures(ctx) >= LOGIN_THROTTLE_MESSAGE_AFTER;
    sendPage(
      ctx,
      200,
      loginPage({ requestToken: ctx.requestToken(), user: ctx.url.searchParams.get('user') ?? '', redirectUrl, error, throttled, talkInstalled: Boolean(config.profile.talk) }),
    );
  }

  /** The login form's failures are counted per client address (Store.loginFailuresByAddress). */
  function clientAddress(ctx: Ctx): string {
    // Behind the platform's nginx the client is in X-Forwarded-For (the proxy is a trusted proxy).
    return ctx.header('x-forwarded-for').split(',')[0]?.trim() || (ctx.req.socket.remoteAddress ?? '');
  }
  function loginFailures(ctx: Ctx): number {
    return ctx.store.loginFailuresByAddress.get(clientAddress(ctx)) ?? 0;
  }

  /** An absolute URL on this platform for a `redirect_url`, or null for anything that leaves it. */
  function safeRedirect(redirectUrl: string | null | undefined): string | null {
    if (!redirectUrl || !redirectUrl.startsWith('/') || redirectUrl.startsWith('//') || redirectUrl.includes('@')) return null;
    // URLGenerator::getAbsoluteURL drops a webroot the URL already starts with (getRequestUri() carries it).
    const webroot = config.webroot ?? '';
    const below = webroot && (redirectUrl === webroot || redirectUrl.startsWith(`${webroot}/`)) ? redirectUrl.slice(webroot.length) : redirectUrl;
    return `${config.baseUrl}${below.replace(/^\/+/, '')}`;
  }

  /**
   * LoginController::tryLogin: needs a valid requesttoken and no foreign Origin ("Please try
   * again" otherwise); a wrong password returns to `/login?direct=1&user=<name>` with "Wrong
   * login or password." kept in the session for the next GET /login.
   */
  function loginPost(ctx: Ctx): void {
    const session = ctx.startSession();
    const name = ctx.param('user') ?? '';
    const redirectUrl = ctx.param('redirect_url') ?? null;
    const fail = (message: string) => {
      session.loginMessage = message;
      const q = new URLSearchParams({ direct: '1', user: name });
      if (redirectUrl) q.set('redirect_url', redirectUrl);
      ctx.redirect(`/login?${q.toString()}`);
    };
    if (loginFailures(ctx) >= LOGIN_MAX_FAILURES) return sendPage(ctx, 429, tooManyRequestsPage(ctx.requestToken(), Boolean(config.profile.talk)));
    // Browsers send `Origin: null` for this POST: nginx sends `Referrer-Policy: no-referrer` (Fetch
    // standard, "append a request Origin header"). Only another site's origin is refused.
    // "Another site" is an Origin whose host is neither the host this request was sent to (nginx
    // passes the browser's Host as $host, whatever name a front uses) nor a trusted domain — not
    // any origin other than the platform's own address (a front on another host name logs in).
    const origin = ctx.header('origin');
    const foreignOrigin = origin !== '' && origin !== 'null' && !isOwnOrigin(origin, ctx.header('host'), config.origin);
    if (foreignOrigin || !ctx.hasValidRequestToken()) {
      if (ctx.user) return ctx.redirect(safeRedirect(redirectUrl) ?? `${config.baseUrl}apps/dashboard/`);
      // NC 30–32 LoginController::tryLogin: csrfCheckFailed, not throttled (newer versions name a
      // foreign Origin `invalidOrigin`); LoginForm.vue shows "Temporary error" / "Please try again.".
      return fail('csrfCheckFailed');
    }
    const user = ctx.store.users.get(name) ?? [...ctx.store.users.values()].find((u) => u.email !== '' && u.email === name);
    if (!user || !sameSecret(user.password, ctx.param('password') ?? '')) {
      ctx.store.failedLogins++;
      ctx.store.loginFailuresByAddress.set(clientAddress(ctx), loginFailures(ctx) + 1);
      return fail('invalidpassword');
    }
    if (!user.enabled) {
      ctx.store.failedLogins++;
      ctx.store.loginFailuresByAddress.set(clientAddress(ctx), loginFailures(ctx) + 1);
      return fail('userdisabled');
    }
    // session_regenerate_id: the pre-login session id stops working.
    ctx.store.regeneratePhpSession(session);
    session.userId = user.id;
    session.talk.clear();
    ctx.user = user;
    ctx.sendSessionCookies();
    ctx.redirect(safeRedirect(redirectUrl) ?? `${config.baseUrl}apps/dashboard/`);
  }

  function logout(ctx: Ctx): void {
    const session = ctx.startSession();
    if (ctx.hasValidRequestToken()) {
      for (const sid of session.talk.values()) ctx.store.endTalkSession(sid);
      ctx.store.phpSessions.delete(session.id);
      ctx.user = null;
    }
    ctx.redirect('/login?clear=1');
  }

  /** CSRFTokenController::index: a token for the session; 403 without the strict same-site cookie. */
  function csrfToken(ctx: Ctx): void {
    const hadSession = Boolean(ctx.cookies[ctx.sessionCookieName]);
    ctx.startSession();
    const strict = ctx.cookies[`${config.secure ? '__Host-' : ''}nc_sameSiteCookiestrict`] === 'true';
    if (hadSession && !strict) return ctx.sendJson(403, []);
    ctx.sendJson(200, { token: ctx.requestToken() });
  }

  /** Self-test endpoint: only on the direct listener (not through nginx) and only with the control token. */
  function control(ctx: Ctx): void {
    const remote = ctx.req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const token = ctx.header('x-reference-control');
    if (config.proxyAddresses.includes(remote) || !token || !sameSecret(token, config.controlToken)) {
      ctx.send(404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not Found');
      return;
    }
    if (ctx.path === '/__reference/reset') {
      if (ctx.method !== 'POST') {
        ctx.send(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'POST' }, 'Method Not Allowed');
        return;
      }
      store.reset(startState);
    }
    ctx.send(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, JSON.stringify(store.counts()));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host}:${port}/`,
    port,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        // End every waiting long poll (their timers are cleared by the abort), then the sockets.
        stopped = true;
        for (const f of [...onStopping]) f();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
