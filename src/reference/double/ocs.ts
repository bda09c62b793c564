import { timingSafeEqual } from 'node:crypto';
import { type Ctx, md5, phpJson } from './context.ts';
import type { User } from './store.ts';

/**
 * OCS (`/ocs/v1.php`, `/ocs/v2.php`) as Nextcloud 32 serves it: envelope, format negotiation,
 * and the order of its checks, each reproduced from the samples in docs/reference/nc32-samples/:
 *   1. wrong Basic credentials → 401, OCS 997 "Unauthorised", `WWW-Authenticate` (ocs/v1.php catches the LoginException before routing)
 *   2. no route → 404, OCS 998 (also for an app that is not installed)
 *   3. not logged in on a non-public route → 401, OCS 997 "Current user is not logged in"
 *   4. admin-only route, not an admin → 403
 *   5. CSRF: no `OCS-APIRequest` header, no valid requesttoken, no Bearer → 412 `{"message":"CSRF check failed"}` (not an envelope)
 *   6. the controller.
 * (lib/private/AppFramework/Middleware/Security/SecurityMiddleware.php, Http/Request.php, OCS/V1Response.php, V2Response.php.)
 */

export const OCS_NOT_FOUND_MESSAGE =
  'Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n';

/** OCSController::RESPOND_UNAUTHORISED / RESPOND_NOT_FOUND. */
export const OCS_UNAUTHORISED = 997;
export const OCS_NOT_FOUND = 998;

export type OcsHandler = (ctx: Ctx, out: OcsOut) => void | Promise<void>;

export interface OcsRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path after `/ocs/v2.php`, `{name}` for parameters; `{token}` has Talk's requirement `[a-z0-9]{4,30}`. */
  path: string;
  /** #[PublicPage]: callable without login (the controller decides what anonymous callers get). */
  public?: boolean;
  /** No #[NoAdminRequired]: admins only. */
  admin?: boolean;
  /** The route's app is loaded only for callers for whom this is true (apps enabled for groups); else the route does not exist (998). */
  enabledFor?: (user: User | null) => boolean;
  handler: OcsHandler;
}

interface CompiledRoute extends OcsRoute {
  regex: RegExp;
  names: string[];
}

const PARAM_PATTERNS: Record<string, string> = { token: '[a-z0-9]{4,30}' };

export function compileRoutes(routes: OcsRoute[]): CompiledRoute[] {
  return routes.map((r) => {
    const names: string[] = [];
    const source = r.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return `(${PARAM_PATTERNS[name] ?? '[^/]+'})`;
    });
    return { ...r, regex: new RegExp(`^${source}$`), names };
  });
}

/** Writes OCS responses in the version and format the request asked for. */
export class OcsOut {
  constructor(
    private readonly ctx: Ctx,
    readonly version: 1 | 2,
    readonly format: 'json' | 'xml',
  ) {}

  ok(data: unknown, status = 200, headers: Record<string, string> = {}): void {
    this.envelope(status, status, 'OK', data, headers);
  }

  /** A failure: HTTP status, OCS status (v2: same as HTTP unless given), message, data (`[]` by default like PHP's empty array). */
  fail(status: number, message = '', data: unknown = [], ocsStatus = status, headers: Record<string, string> = {}): void {
    this.envelope(status, ocsStatus, message, data, headers);
  }

  /** 204/304: no body at all (BaseResponse renders nothing for them). */
  empty(status: 204 | 304, headers: Record<string, string> = {}): void {
    this.ctx.send(status, { ...this.ctx.phpHeaders(), ...headers });
  }

  private envelope(httpStatus: number, ocsStatus: number, message: string, data: unknown, headers: Record<string, string>): void {
    const ok = httpStatus >= 200 && httpStatus < 300;
    let status = httpStatus;
    let meta: Record<string, unknown>;
    if (this.version === 1) {
      // V1Response: HTTP 200 except 401 for OCS 997; OCS 100 for success.
      status = ocsStatus === OCS_UNAUTHORISED ? 401 : ok ? httpStatus : 200;
      meta = { status: ok ? 'ok' : 'failure', statuscode: ok ? 100 : ocsStatus, message, totalitems: '', itemsperpage: '' };
    } else {
      meta = { status: ok ? 'ok' : 'failure', statuscode: ocsStatus, message };
    }
    const body = { ocs: { meta, data } };
    const text = this.format === 'json' ? phpJson(body) : toOcsXml(body.ocs);
    const type = this.format === 'json' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8';
    this.ctx.send(status, { 'Content-Type': type, ...this.ctx.phpHeaders(), ...headers }, text);
  }

  /** A DataResponse with an ETag, as core's capabilities endpoint sends it. */
  okWithEtag(data: unknown): void {
    this.ok(data, 200, { ETag: `"${md5(phpJson(data))}"` });
  }
}

/** OCS XML: `<ocs><meta>…</meta><data>…</data></ocs>`, list items as `<element>` (OC\AppFramework\OCS\BaseResponse::toXML). */
export function toOcsXml(ocs: { meta: Record<string, unknown>; data: unknown }): string {
  const lines = ['<?xml version="1.0"?>', '<ocs>'];
  xmlNode('meta', ocs.meta, 1, lines);
  xmlNode('data', ocs.data, 1, lines);
  lines.push('</ocs>', '');
  return lines.join('\n');
}

function xmlNode(name: string, value: unknown, depth: number, lines: string[]): void {
  const pad = ' '.repeat(depth);
  const tag = /^\d/.test(name) ? `element` : name;
  if (value === null || value === undefined || value === '' || value === false) {
    lines.push(`${pad}<${tag}/>`);
  } else if (Array.isArray(value) || typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v) => ['element', v] as const) : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) {
      lines.push(`${pad}<${tag}/>`);
      return;
    }
    lines.push(`${pad}<${tag}>`);
    for (const [k, v] of entries) xmlNode(k, v, depth + 1, lines);
    lines.push(`${pad}</${tag}>`);
  } else {
    const text = value === true ? '1' : String(value);
    lines.push(`${pad}<${tag}>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</${tag}>`);
  }
}

/** Basic credentials of the request: none, the user they log in, or rejected. */
export async function basicAuth(ctx: Ctx): Promise<{ kind: 'none' } | { kind: 'ok'; user: User } | { kind: 'bad' }> {
  const h = ctx.header('authorization');
  if (!/^Basic /i.test(h)) return { kind: 'none' };
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return { kind: 'bad' };
  const user = ctx.store.users.get(decoded.slice(0, i));
  // Manager::checkPasswordNoLogging → password_verify: the expensive part of a Basic login.
  if (user) await hashPassword(ctx);
  // A disabled account is refused like a wrong password (Session::loginWithPassword throws
  // LoginException "User disabled"; ocs/v1.php answers 401 Unauthorised either way).
  if (!user || !sameSecret(user.password, decoded.slice(i + 1)) || !user.enabled) {
    ctx.store.failedLogins++;
    return { kind: 'bad' };
  }
  return { kind: 'ok', user };
}

/**
 * password_verify of a login password (profile php.passwordHashMs): that much server time on one
 * of `hashWorkers` CPU cores, queued when all are busy. Simulated with timers (the double stays
 * responsive); the PHP worker of the request stays busy meanwhile, as it does in PHP-FPM.
 */
async function hashPassword(ctx: Ctx): Promise<void> {
  ctx.store.passwordChecks++;
  const ms = ctx.config.profile.php.passwordHashMs ?? 0;
  if (ms <= 0) return;
  const cores = ctx.config.profile.php.hashWorkers ?? 2;
  const h = ctx.store.hashing;
  if (h.busy >= cores) await new Promise<void>((resolve) => h.waiting.push(resolve));
  else h.busy++;
  try {
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    // Hand the core to the next hash in line (busy stays counted for it), or free it.
    const next = h.waiting.shift();
    if (next) next();
    else h.busy--;
  }
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Logs the request in: Basic credentials (which also log the PHP session in, as
 * Session::tryBasicAuthLogin does) or the session cookie. Returns false after answering (a wrong
 * password, or a first login still copying the skeleton).
 *
 * Session::logClientIn creates the session token that lets later requests with only the session
 * cookie in only when the Basic request carried the `cookie_test` cookie (supportsCookies);
 * otherwise it sets `cookie_test` (PHP setcookie without a path) and the session stays unbacked
 * (nextcloud/server lib/private/User/Session.php) — with profile php.sessionNeedsCookieTest.
 */
export async function authenticate(ctx: Ctx, onBadCredentials: () => void): Promise<boolean> {
  const basic = await basicAuth(ctx);
  if (basic.kind === 'bad') {
    ctx.startSession();
    onBadCredentials();
    return false;
  }
  const session = ctx.startSession();
  if (basic.kind === 'ok') {
    if (!(await firstLogin(ctx, basic.user))) return false;
    if (session.userId !== basic.user.id) {
      session.userId = basic.user.id;
      session.talk.clear();
    }
    ctx.user = basic.user;
    if (ctx.cookies['cookie_test'] !== undefined) {
      session.tokenBacked = true;
    } else if (ctx.config.profile.php.sessionNeedsCookieTest) {
      session.tokenBacked = false;
      ctx.addCookie(`cookie_test=test; expires=${new Date(Date.now() + 3_600_000).toUTCString()}; Max-Age=3600`);
    }
  }
  return true;
}

/**
 * Session::prepareUserLogin on a user's first login copies the skeleton files (profile
 * php.firstLoginLockMs). Without Redis, the file locks live in the database; a second login of
 * the same user meanwhile hits them: OCP\Lock\LockedException, HTTP 500 (nextcloud/server#17986;
 * the OCS answer to an exception, with the message as in debug mode, as seen on a real server).
 */
async function firstLogin(ctx: Ctx, user: User): Promise<boolean> {
  const ms = ctx.config.profile.php.firstLoginLockMs ?? 0;
  if (ms <= 0) return true;
  const now = Date.now();
  if (user.firstLoginUntilMs === undefined) {
    user.firstLoginUntilMs = now + ms;
    await new Promise((r) => setTimeout(r, ms));
    return true;
  }
  if (now < user.firstLoginUntilMs) {
    new OcsOut(ctx, 2, ocsFormat(ctx)).fail(500, 'Internal Server Error\n"Nextcloud intro.mp4" is locked', [], 996);
    return false;
  }
  return true;
}

/** Request::passesCSRFCheck plus SecurityMiddleware's OCS exemptions (OCS-APIRequest header, Bearer). */
export function passesCsrf(ctx: Ctx): boolean {
  if (ctx.header('ocs-apirequest') !== '') return true;
  if (/^Bearer /i.test(ctx.header('authorization'))) return true;
  return ctx.hasValidRequestToken();
}

export function ocsFormat(ctx: Ctx): 'json' | 'xml' {
  const f = ctx.url.searchParams.get('format');
  if (f === 'json' || f === 'xml') return f;
  return /application\/json/i.test(ctx.header('accept')) ? 'json' : 'xml';
}

/** Serves one request under `/ocs/v1.php` or `/ocs/v2.php` from the routes. */
export async function handleOcs(ctx: Ctx, version: 1 | 2, subPath: string, routes: CompiledRoute[]): Promise<void> {
  const out = new OcsOut(ctx, version, ocsFormat(ctx));
  const loggedIn = await authenticate(ctx, () => out.fail(401, 'Unauthorised', [], OCS_UNAUTHORISED, { 'WWW-Authenticate': 'Basic realm="Authorisation Required"' }));
  if (!loggedIn) return;
  let route: CompiledRoute | undefined;
  for (const r of routes) {
    if (r.method !== ctx.method && !(ctx.method === 'HEAD' && r.method === 'GET')) continue;
    if (r.enabledFor && !r.enabledFor(ctx.user)) continue;
    const m = r.regex.exec(subPath);
    if (!m) continue;
    route = r;
    r.names.forEach((n, i) => (ctx.params[n] = m[i + 1]!));
    break;
  }
  if (!route) return out.fail(404, OCS_NOT_FOUND_MESSAGE, [], OCS_NOT_FOUND);
  if (!route.public && !ctx.user) return out.fail(401, 'Current user is not logged in', [], OCS_UNAUTHORISED);
  if (route.admin && !ctx.user?.isAdmin) return out.fail(403, 'Logged in account must be an admin');
  if (!passesCsrf(ctx)) return ctx.sendJson(412, { message: 'CSRF check failed' });
  const delay = ctx.config.profile.creationResponseDelayMs ?? 0;
  if (delay > 0 && ctx.method === 'POST' && (route.path === '/cloud/users' || route.path.endsWith('/v4/room'))) {
    // A slow server: the object exists at once, its answer leaves `delay` ms later.
    const send = ctx.send.bind(ctx);
    let answer: Parameters<Ctx['send']> | null = null;
    ctx.send = (...args: Parameters<Ctx['send']>) => void (answer = args);
    await route.handler(ctx, out);
    await new Promise((r) => setTimeout(r, delay));
    if (answer) send(...(answer as Parameters<Ctx['send']>));
    return;
  }
  await route.handler(ctx, out);
}
