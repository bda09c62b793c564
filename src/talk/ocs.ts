import type { Credentials } from '../config/index.ts';
import { redactText } from '../redact/index.ts';
import { THROTTLE_REMEDY, TalkError, truncateBody } from './errors.ts';
import { type HttpClient, type HttpRequest, type HttpResponse, REQUEST_TIMEOUT_MS } from './http.ts';

/** The OCS envelope (NC 32: lib/private/AppFramework/OCS/V2Response.php). */
export interface OcsEnvelope<T> {
  ocs: { meta: { status: 'ok' | 'failure'; statuscode: number; message: string | null }; data: T };
}

export interface OcsResult<T> {
  status: number;
  data: T;
  meta: OcsEnvelope<T>['ocs']['meta'] | null;
  headers: Record<string, string>;
}

export interface OcsRequest extends Omit<HttpRequest, 'headers'> {
  /** HTTP statuses the caller handles itself; anything else throws a TalkError. Default [200]. */
  expect?: number[];
  headers?: Record<string, string>;
}

/**
 * How a client authenticates after its first request:
 * - `basic`: HTTP Basic on every request (the default; one-off requests of the checks).
 * - `session-cookie`: what Talk's web client does — one login, then the session cookie alone.
 *   The first request logs in with Basic and the `cookie_test` cookie, without which Nextcloud
 *   creates no session token and a later request with only the cookie is not logged in
 *   (lib/private/User/Session.php: logClientIn → supportsCookies → createSessionToken;
 *   validateSession). Every later request sends the session cookie without Authorization, so a
 *   real PHP Nextcloud hashes the password once per client, not once per request (~1 s of CPU
 *   each with bcrypt/argon2). Requests wait for that first login; a 401 logs in again once.
 */
export type OcsAuthMode = 'basic' | 'session-cookie';

export interface OcsClientOptions {
  auth?: OcsAuthMode;
  /**
   * Retry HTTP 500 "… is locked" (OCP\Lock\LockedException) a few times with a short back-off:
   * a Nextcloud without Redis file locking answers it to a second request of a new user while
   * its first login copies the skeleton files (nextcloud/server#17986); a client retrying later
   * succeeds. Default: on with `session-cookie`.
   */
  retryLocked?: boolean;
}

/** Attempts and back-off for a 500 "is locked": 0.25 + 0.5 + 1 + 2 s, bounded. */
export const LOCKED_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000];
const LOCKED_RE = /is locked/i;

/**
 * OCS API client: `/ocs/v2.php/<path>`, JSON, `OCS-APIRequest: true` (without it Nextcloud
 * answers 412 "CSRF check failed" even to Basic auth), HTTP Basic with a password or app
 * password, or a session (OcsAuthMode). One instance = one login = one cookie jar, so Talk's
 * session (stored in the PHP session) survives from join to call to signaling.
 */
export class OcsClient {
  private sessionReady = false;
  private loggingIn: Promise<void> | null = null;
  /** The Authorization header, computed once. */
  private basic: string | undefined;
  /** Logins with the password this client sent (Basic requests). */
  passwordLogins = 0;

  constructor(
    readonly http: HttpClient,
    readonly credentials?: Credentials,
    readonly options: OcsClientOptions = {},
  ) {}

  get user(): string | undefined {
    return this.credentials?.user;
  }

  get authMode(): OcsAuthMode {
    return this.options.auth === 'session-cookie' && this.credentials && this.http.jar ? 'session-cookie' : 'basic';
  }

  /**
   * Session mode: logs in once (GET cloud/user with Basic and `cookie_test`), so the next
   * requests carry only the session cookie. Concurrent callers share one login. No-op in basic mode.
   */
  async login(signal?: AbortSignal, timeoutMs?: number, notAfter?: AbortSignal): Promise<void> {
    if (this.authMode !== 'session-cookie' || this.sessionReady) return;
    if (!this.loggingIn) {
      this.loggingIn = (async () => {
        // Nextcloud's own cookie_test is set without a path (the request's directory): set it for the whole instance.
        await this.http.setCookie('cookie_test=test; Path=/', this.http.baseUrl);
        await this.send('cloud/user', { method: 'GET', ...(signal ? { signal } : {}), ...(timeoutMs ? { timeoutMs } : {}), ...(notAfter ? { notAfter } : {}) }, true);
        this.sessionReady = true;
      })().finally(() => (this.loggingIn = null));
    }
    await this.loggingIn;
  }

  async request<T = unknown>(path: string, req: OcsRequest = {}): Promise<OcsResult<T>> {
    if (this.authMode === 'session-cookie') {
      // The login is an ordinary request: at most this request's timeout (a long poll's 40 s is not a login's).
      const loginTimeout = Math.min(req.timeoutMs ?? REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_MS);
      await this.login(req.signal, loginTimeout, req.notAfter);
      try {
        return await this.send<T>(path, req, false);
      } catch (err) {
        // The session ended (expired, or the server dropped it): log in again once.
        if (err instanceof TalkError && err.details.status === 401) {
          this.sessionReady = false;
          await this.login(req.signal, loginTimeout, req.notAfter);
          return this.send<T>(path, req, false);
        }
        throw err;
      }
    }
    return this.send<T>(path, req, true);
  }

  private async send<T>(path: string, req: OcsRequest, withPassword: boolean): Promise<OcsResult<T>> {
    const retryLocked = this.options.retryLocked ?? this.authMode === 'session-cookie';
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(path, req, withPassword);
      } catch (err) {
        const delay = LOCKED_RETRY_DELAYS_MS[attempt];
        if (
          !retryLocked ||
          delay === undefined ||
          req.signal?.aborted ||
          req.notAfter?.aborted ||
          !(err instanceof TalkError) ||
          err.details.status !== 500 ||
          !LOCKED_RE.test(err.details.body ?? '')
        )
          throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async once<T>(path: string, req: OcsRequest, withPassword: boolean): Promise<OcsResult<T>> {
    const headers: Record<string, string> = {
      'ocs-apirequest': 'true',
      accept: 'application/json',
      ...req.headers,
    };
    if (this.credentials && withPassword) {
      this.passwordLogins++;
      headers['authorization'] = this.basic ??= `Basic ${Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64')}`;
    }
    const method = req.method ?? 'GET';
    const res = await this.http.request(`ocs/v2.php/${path.replace(/^\//, '')}`, { ...req, headers });
    const expected = req.expect ?? [200];
    if (!expected.includes(res.status)) throw ocsError(method, res, this.credentials?.user);
    // 204/304 come with an empty body (V2Response).
    if (res.body.length === 0) return { status: res.status, data: undefined as T, meta: null, headers: res.headers };
    const parsed = res.json<OcsEnvelope<T> | T>();
    if (parsed && typeof parsed === 'object' && 'ocs' in parsed) {
      if (parsed.ocs.meta?.statuscode === 429) throw ocsError(method, res, this.credentials?.user);
      return { status: res.status, data: parsed.ocs.data, meta: parsed.ocs.meta, headers: res.headers };
    }
    return { status: res.status, data: parsed as T, meta: null, headers: res.headers };
  }

  get<T = unknown>(path: string, req: OcsRequest = {}): Promise<OcsResult<T>> {
    return this.request<T>(path, { ...req, method: 'GET' });
  }

  post<T = unknown>(path: string, body?: unknown, req: OcsRequest = {}): Promise<OcsResult<T>> {
    return this.request<T>(path, { ...req, method: 'POST', body });
  }

  delete<T = unknown>(path: string, req: OcsRequest = {}): Promise<OcsResult<T>> {
    return this.request<T>(path, { ...req, method: 'DELETE' });
  }
}

/** `ocs.meta.statuscode` of a JSON OCS body, if there is one (OCS v1 answers HTTP 200 with the real status in the envelope). */
function ocsStatusCode(res: HttpResponse): number | null {
  if (!/json/.test(res.headers['content-type'] ?? '')) return null;
  try {
    const parsed = JSON.parse(res.text()) as { ocs?: { meta?: { statuscode?: unknown } } };
    return typeof parsed.ocs?.meta?.statuscode === 'number' ? parsed.ocs.meta.statuscode : null;
  } catch {
    return null;
  }
}

/** Turns an unexpected OCS answer into a TalkError that says what to do. */
export function ocsError(method: string, res: HttpResponse, user?: string): TalkError {
  const where = `${method} ${redactText(res.url)}`;
  const body = truncateBody(redactText(res.text()));
  const throttledHeader = res.headers['x-nextcloud-bruteforce-throttled'];
  const details = {
    url: res.url,
    status: res.status,
    body,
    ...(res.headers['server'] ? { server: res.headers['server'] } : {}),
    ...(throttledHeader ? { bruteforceThrottled: throttledHeader } : {}),
    ocs: ocsStatusCode(res) !== null,
  };
  if (res.status === 429 || ocsStatusCode(res) === 429) {
    return new TalkError(
      'THROTTLED',
      `${where}: HTTP ${res.status}${throttledHeader ? ` (X-Nextcloud-Bruteforce-Throttled: ${throttledHeader})` : ''}, Nextcloud is throttling this client: ` +
        `its brute-force protection counted too many failed logins from this address, or a rate limit was reached (${body}). ${THROTTLE_REMEDY}`,
      details,
    );
  }
  if (res.status === 401) {
    const who = user ? `the credentials of "${user}" (TALK_USER/TALK_PASSWORD or the admin pair)` : 'an anonymous request';
    return new TalkError(
      'AUTH_REJECTED',
      `${where}: ${who} were rejected with HTTP 401 (${body}). Check the login name and password (an app password from ` +
        'Personal settings > Security works too), and that the account is enabled (Nextcloud answers a disabled account the same way). ' +
        'The suite does not retry, so it cannot trigger brute-force protection.' +
        (throttledHeader ? ` Nextcloud already delays requests from this address (X-Nextcloud-Bruteforce-Throttled: ${throttledHeader}): ${THROTTLE_REMEDY}` : ''),
      details,
    );
  }
  if (res.status === 503 && /maintenance/i.test(body)) {
    return new TalkError(
      'MAINTENANCE',
      `${where}: HTTP 503 with a maintenance page (${body}): Nextcloud is in maintenance mode. Leave it (\`occ maintenance:mode --off\`) and run again.`,
      details,
    );
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    return new TalkError(
      'UNAVAILABLE',
      `${where}: HTTP ${res.status}${res.headers['server'] ? ` from "${res.headers['server']}"` : ''} (${body}): Nextcloud did not answer behind the web server or proxy (PHP-FPM down or overloaded, upstream misconfigured). Run again when it is back.`,
      details,
    );
  }
  if (res.status === 412 && /CSRF/.test(body)) {
    return new TalkError('HTTP_STATUS', `${where}: HTTP 412 CSRF check failed: the request lacked OCS-APIRequest: true (a bug in this suite; please report it).`, details);
  }
  return new TalkError('HTTP_STATUS', `${where}: unexpected HTTP ${res.status}: ${body}`, details);
}
