import type { Credentials } from '../config/index.ts';
import { redactText } from '../redact/index.ts';
import { THROTTLE_REMEDY, TalkError, truncateBody } from './errors.ts';
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
    return new TalkError('MAINTENANCE', `${where}: HTTP 503 with a maintenance page (${body}): Nextcloud is in maintenance mode. Leave it (\`occ maintenance:mode --off\`) and run again.`, details);
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    return new TalkError('UNAVAILABLE', `${where}: HTTP ${res.status}${res.headers['server'] ? ` from "${res.headers['server']}"` : ''} (${body}): Nextcloud did not answer behind the web server or proxy (PHP-FPM down or overloaded, upstream misconfigured). Run again when it is back.`, details);
  }
  if (res.status === 412 && /CSRF/.test(body)) {
    return new TalkError('HTTP_STATUS', `${where}: HTTP 412 CSRF check failed: the request lacked OCS-APIRequest: true (a bug in this suite; please report it).`, details);
  }
  return new TalkError('HTTP_STATUS', `${where}: unexpected HTTP ${res.status}: ${body}`, details);
}
