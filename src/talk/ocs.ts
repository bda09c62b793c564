import type { Credentials } from '../config/index.ts';
import { redactText } from '../redact/index.ts';
import { TalkError, truncateBody } from './errors.ts';
import type { HttpClient, HttpRequest, HttpResponse } from './http.ts';

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
 * OCS API client: `/ocs/v2.php/<path>`, JSON, `OCS-APIRequest: true` (without it Nextcloud
 * answers 412 "CSRF check failed" even to Basic auth), HTTP Basic with a password or app
 * password. One instance = one login = one cookie jar, so Talk's session (stored in the PHP
 * session) survives from join to call to signaling, and Nextcloud sees one session per user
 * instead of a login per request.
 */
export class OcsClient {
  constructor(
    readonly http: HttpClient,
    readonly credentials?: Credentials,
  ) {}

  get user(): string | undefined {
    return this.credentials?.user;
  }

  async request<T = unknown>(path: string, req: OcsRequest = {}): Promise<OcsResult<T>> {
    const headers: Record<string, string> = {
      'ocs-apirequest': 'true',
      accept: 'application/json',
      ...req.headers,
    };
    if (this.credentials) {
      headers['authorization'] = `Basic ${Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64')}`;
    }
    const method = req.method ?? 'GET';
    const res = await this.http.request(`ocs/v2.php/${path.replace(/^\//, '')}`, { ...req, headers });
    const expected = req.expect ?? [200];
    if (!expected.includes(res.status)) throw ocsError(method, res, this.credentials?.user);
    // 204/304 come with an empty body (V2Response).
    if (res.body.length === 0) return { status: res.status, data: undefined as T, meta: null, headers: res.headers };
    const parsed = res.json<OcsEnvelope<T> | T>();
    if (parsed && typeof parsed === 'object' && 'ocs' in parsed) {
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

/** Turns an unexpected OCS answer into a TalkError that says what to do. */
export function ocsError(method: string, res: HttpResponse, user?: string): TalkError {
  const where = `${method} ${redactText(res.url)}`;
  const body = truncateBody(redactText(res.text()));
  const details = { url: res.url, status: res.status, body };
  if (res.status === 401) {
    const who = user ? `the credentials of "${user}" (TALK_USER/TALK_PASSWORD or the admin pair)` : 'an anonymous request';
    return new TalkError(
      'AUTH_REJECTED',
      `${where}: ${who} were rejected with HTTP 401 (${body}). Check the login name and password (an app password from ` +
        'Personal settings > Security works too), and that the account is enabled. The suite does not retry, so it cannot trigger brute-force protection.',
      details,
    );
  }
  if (res.status === 429) {
    return new TalkError(
      'THROTTLED',
      `${where}: HTTP 429, Nextcloud is throttling this client (brute-force protection or rate limit). Wait, or allowlist this machine's ` +
        "address in the Brute-force settings app / `occ config:system:set auth.bruteforce.protection.enabled` (test systems only).",
      details,
    );
  }
  if (res.status === 503) {
    return new TalkError('MAINTENANCE', `${where}: HTTP 503, Nextcloud is in maintenance mode or overloaded (${body}). Retry when it is back.`, details);
  }
  if (res.status === 412 && /CSRF/.test(body)) {
    return new TalkError('HTTP_STATUS', `${where}: HTTP 412 CSRF check failed: the request lacked OCS-APIRequest: true (a bug in this suite; please report it).`, details);
  }
  return new TalkError('HTTP_STATUS', `${where}: unexpected HTTP ${res.status}: ${body}`, details);
}
