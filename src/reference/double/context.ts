import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Profile } from '../profiles.ts';
import type { UiProfile } from '../ui-profiles.ts';
import { type PhpSession, type Store, type User, markedSecret, randomString } from './store.ts';
import type { DoubleHpbConfig } from './hpb.ts';

/**
 * One request to the double, with what Nextcloud's front controller gives every controller:
 * parameters (route, query, form or JSON body merged), cookies, the PHP session, the logged-in
 * user, and response helpers that add the headers Nextcloud's PHP adds (X-Request-Id, no-cache,
 * CSP, Feature-Policy, X-Robots-Tag, cookies). nginx adds the rest (security headers, HSTS).
 */

export interface DoubleConfig {
  profile: Profile;
  /** Public base URL with trailing slash, e.g. `https://10.213.7.2/` (config.php `overwrite.cli.url`). */
  baseUrl: string;
  /** `https://10.213.7.2`: the only Origin a login form POST may come from (trusted_domains). */
  origin: string;
  secure: boolean;
  /** config.php `instanceid`; the session cookie is named after it. */
  instanceId: string;
  /** TURN/STUN server address (the instance's TURN host). */
  turnHost: string;
  /** The secret Talk signs TURN credentials with (coturn's static-auth-secret unless the profile breaks it). */
  talkTurnSecret: string;
  /** Header value required on /__reference/state. */
  controlToken: string;
  /** Source addresses of requests proxied by nginx; the control endpoint refuses them. */
  proxyAddresses: string[];
  /** config.php `overwritewebroot`: '' for Nextcloud at `/`, `/nextcloud` for https://host/nextcloud/. */
  webroot?: string;
  /** The Talk release whose web UI the pages imitate (profile.talk.version / profile.nextcloud already follow it); default talk22. */
  ui?: UiProfile;
  /** App firstrunwizard enabled: its modal covers every page of a user who has not closed it (default true, as on a real server). */
  firstRunWizard?: boolean;
  /** External signaling (reference profile `hpb`): Talk's HPB settings, secrets and keys (double/hpb.ts). */
  hpb?: DoubleHpbConfig;
}

/** Largest request body the double reads (a chat message is at most 32000 characters). */
const MAX_BODY_BYTES = 1 << 20;
/** Nextcloud's request id: 20 characters (OC\AppFramework\Http\Request::getId). */
const REQUEST_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The CSP Nextcloud sends with API (JSON/OCS) responses (EmptyContentSecurityPolicy for non-template responses). */
export const API_CSP = "default-src 'none';base-uri 'none';manifest-src 'self';frame-ancestors 'none'";
export const FEATURE_POLICY_API = "autoplay 'none';camera 'none';fullscreen 'none';geolocation 'none';microphone 'none';payment 'none'";

/** PHP's reason phrases differ from Node's in a few places; nginx passes them through. */
const PHP_REASONS: Record<number, string> = { 412: 'Precondition failed' };

export class Ctx {
  readonly url: URL;
  /** Path as Nextcloud's router sees it: `/index.php` stripped. */
  readonly path: string;
  readonly method: string;
  readonly cookies: Record<string, string>;
  readonly requestId = randomString(20, REQUEST_ID_ALPHABET);
  private readonly setCookies: string[] = [];
  body: Record<string, unknown> = {};
  /** The request body as received (the HPB backend request's checksum covers it byte for byte). */
  rawBody = '';
  /** Route parameters filled by the router. */
  params: Record<string, string> = {};
  session: PhpSession | null = null;
  user: User | null = null;
  /** Headers a middleware adds to whatever the controller answers (BruteForceMiddleware's X-Nextcloud-Bruteforce-Throttled). */
  readonly middlewareHeaders: Record<string, string> = {};

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly config: DoubleConfig,
    readonly store: Store,
    /** Aborted when the client goes away or the double stops: long polls end on it. */
    readonly signal: AbortSignal,
  ) {
    this.url = new URL(req.url ?? '/', 'http://double.invalid');
    let p = this.url.pathname;
    // Nextcloud's router sees paths below its webroot (nginx passes /nextcloud/index.php/… on).
    const webroot = config.webroot ?? '';
    if (webroot && (p === webroot || p.startsWith(`${webroot}/`))) p = p.slice(webroot.length) || '/';
    if (p === '/index.php' || p.startsWith('/index.php/')) p = p.slice('/index.php'.length) || '/';
    this.path = safeDecode(p);
    this.method = (req.method ?? 'GET').toUpperCase();
    this.cookies = parseCookies(req.headers.cookie);
  }

  /**
   * The client's address as Nextcloud sees it (IRequest::getRemoteAddress): nginx's X-Real-IP
   * when the request comes from nginx (a trusted proxy), else the socket's peer.
   */
  clientAddress(): string {
    const peer = this.req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const forwarded = this.header('x-real-ip');
    return this.config.proxyAddresses.includes(peer) && forwarded ? forwarded : peer;
  }

  header(name: string): string {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : (v ?? '');
  }

  /** A request parameter the way Nextcloud merges them: route, then body (form or JSON), then query. */
  param(name: string): string | undefined {
    if (name in this.params) return this.params[name];
    const b = this.body[name];
    if (b !== undefined && b !== null) return typeof b === 'string' ? b : typeof b === 'object' ? JSON.stringify(b) : String(b);
    return this.url.searchParams.get(name) ?? undefined;
  }

  intParam(name: string, fallback: number): number {
    const v = this.param(name);
    if (v === undefined || v === '') return fallback;
    const n = Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : fallback;
  }

  async readBody(): Promise<void> {
    if (this.method === 'GET' || this.method === 'HEAD') return;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    this.rawBody = raw;
    if (!raw) return;
    const type = this.header('content-type');
    if (type.includes('application/json')) {
      try {
        const parsed = JSON.parse(raw) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) this.body = parsed as Record<string, unknown>;
      } catch {
        // Nextcloud ignores a body that is not valid JSON (the parameters are just missing).
      }
    } else {
      const form: Record<string, unknown> = {};
      for (const [k, v] of new URLSearchParams(raw)) {
        if (k.endsWith('[]')) ((form[k.slice(0, -2)] ??= []) as string[]).push(v);
        else form[k] = v;
      }
      this.body = form;
    }
  }

  /** The session cookie's name: `oc` + instance id, like Nextcloud. */
  get sessionCookieName(): string {
    return this.config.instanceId;
  }

  /**
   * Loads the PHP session from its cookie or starts one (sending the cookies Nextcloud sends:
   * the session, its passphrase, and the two same-site marker cookies).
   */
  startSession(): PhpSession {
    if (this.session) return this.session;
    const id = this.cookies[this.sessionCookieName];
    const existing = id ? this.store.phpSessions.get(id) : undefined;
    if (existing) {
      existing.lastSeenMs = Date.now();
      this.session = existing;
    } else {
      this.session = this.store.newPhpSession();
      this.sendSessionCookies();
    }
    this.sendSameSiteCookies();
    if (this.session.userId && this.session.tokenBacked === false && !/^Basic /i.test(this.header('authorization'))) {
      // Only the cookie: Session::tryTokenLogin/validateSession find no session token for this
      // session id (the Basic login that started it came without `cookie_test`) → not logged in.
      this.session.userId = null;
      this.session.talk.clear();
    }
    if (this.session.userId) this.user = this.store.users.get(this.session.userId) ?? null;
    return this.session;
  }

  /** A Set-Cookie of its own (PHP setcookie()). */
  addCookie(cookie: string): void {
    this.setCookies.push(cookie);
  }

  sendSessionCookies(): void {
    const s = this.session!;
    const secure = this.config.secure ? '; secure' : '';
    this.setCookies.push(`oc_sessionPassphrase=${markedSecret(randomBytes(32).toString('base64url'))}; path=/${secure}; HttpOnly; SameSite=Lax`);
    this.setCookies.push(`${this.sessionCookieName}=${s.id}; path=/${secure}; HttpOnly; SameSite=Lax`);
  }

  /**
   * `__Host-nc_sameSiteCookielax/strict` (lib/base.php sendSameSiteCookies), sent when missing.
   * The `__Host-` prefix only over HTTPS: browsers drop prefixed cookies that are not secure.
   */
  sendSameSiteCookies(): void {
    const prefix = this.config.secure ? '__Host-' : '';
    if (this.cookies[`${prefix}nc_sameSiteCookielax`]) return;
    const secure = this.config.secure ? 'secure; ' : '';
    for (const mode of ['lax', 'strict']) {
      this.setCookies.push(`${prefix}nc_sameSiteCookie${mode}=true; path=/; httponly;${secure}expires=Fri, 31-Dec-2100 23:59:59 GMT; SameSite=${mode}`);
    }
  }

  /** A fresh request token for this session: OTP-masked secret, `base64(secret XOR pad):base64(pad)` (OC\Security\CSRF\CsrfToken). */
  requestToken(): string {
    const secret = this.startSession().csrfSecret;
    const pad = randomBytes(secret.length);
    const enc = Buffer.alloc(secret.length);
    for (let i = 0; i < secret.length; i++) enc[i] = secret[i]! ^ pad[i]!;
    return `${enc.toString('base64')}:${pad.toString('base64')}`;
  }

  /** Request::passesCSRFCheck minus the OCS-APIRequest shortcut: a valid requesttoken (GET, POST or header). */
  hasValidRequestToken(): boolean {
    const token =
      this.url.searchParams.get('requesttoken') ?? (typeof this.body['requesttoken'] === 'string' ? this.body['requesttoken'] : null) ?? (this.header('requesttoken') || null);
    if (!token || !this.session) return false;
    const [enc, pad] = token.split(':').map((p) => Buffer.from(p, 'base64'));
    const secret = this.session.csrfSecret;
    if (!enc || !pad || enc.length !== secret.length || pad.length !== secret.length) return false;
    const plain = Buffer.alloc(secret.length);
    for (let i = 0; i < secret.length; i++) plain[i] = enc[i]! ^ pad[i]!;
    return timingSafeEqual(plain, secret);
  }

  /** The headers Nextcloud's PHP adds to every response (samples: X-Request-Id, no-cache, CSP, Feature-Policy, X-Robots-Tag, X-User-Id). */
  phpHeaders(csp = API_CSP, featurePolicy = FEATURE_POLICY_API): Record<string, string | string[]> {
    const h: Record<string, string | string[]> = {};
    if (this.setCookies.length) h['Set-Cookie'] = [...this.setCookies];
    h['X-Request-Id'] = this.requestId;
    h['Cache-Control'] = 'no-cache, no-store, must-revalidate';
    h['Content-Security-Policy'] = csp;
    h['Feature-Policy'] = featurePolicy;
    h['X-Robots-Tag'] = 'noindex, nofollow';
    if (this.user) h['X-User-Id'] = this.user.id;
    Object.assign(h, this.middlewareHeaders);
    return h;
  }

  send(status: number, headers: Record<string, string | string[]>, body: string | Buffer = ''): void {
    if (this.res.headersSent || this.res.destroyed) return;
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    // 204/304 carry no body (RFC 9110 15.3.5, 15.4.5); Nextcloud sends none either.
    const empty = status === 204 || status === 304 || this.method === 'HEAD';
    const reason = PHP_REASONS[status];
    if (reason) this.res.statusMessage = reason;
    this.res.writeHead(status, { ...headers, ...(status === 204 || status === 304 ? {} : { 'Content-Length': String(buf.length) }) });
    this.res.end(empty ? undefined : buf);
  }

  /** A JSONResponse: PHP's json_encode (escaped slashes and non-ASCII), `application/json; charset=utf-8`. */
  sendJson(status: number, value: unknown, extra: Record<string, string> = {}): void {
    this.send(status, { 'Content-Type': 'application/json; charset=utf-8', ...this.phpHeaders(), ...extra }, phpJson(value));
  }

  sendHtml(status: number, html: string, csp: string, featurePolicy: string): void {
    this.send(status, { 'Content-Type': 'text/html; charset=UTF-8', ...this.phpHeaders(csp, featurePolicy) }, html);
  }

  /** A redirect; a path (`/login?…`) is below the webroot, as IURLGenerator::linkToRoute makes every one. */
  redirect(location: string, status = 303): void {
    const webroot = this.config.webroot ?? '';
    const to = webroot && location.startsWith('/') && !location.startsWith('//') ? `${webroot}${location}` : location;
    this.send(status, { ...this.phpHeaders(), Location: to });
  }
}

export class BodyTooLarge extends Error {}

/**
 * JSON as PHP's `json_encode($x, JSON_HEX_TAG)` writes it (what OCS and JSONResponse send):
 * `/` escaped as `\/`, non-ASCII as `\uXXXX`, `<` `>` as `\u003C` `\u003E`.
 */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[<>]/g, (c) => (c === '<' ? '\\u003C' : '\\u003E'))
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[part.slice(0, i).trim()] = safeDecode(part.slice(i + 1).trim());
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;' })[c]!);
}
