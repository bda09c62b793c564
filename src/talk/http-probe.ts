import { HttpClient, type HttpResponse } from './http.ts';
import { TalkError } from './errors.ts';

export interface PlainHttpObservation {
  url: string;
  /**
   * - redirect-https: a redirect to https:// on the same host (acceptable)
   * - refused / no-answer: nothing takes plain HTTP there (acceptable)
   * - tls-only: the port speaks only TLS and says so (nginx's 400 "The plain HTTP request was sent
   *   to HTTPS port", or a connection closed on the plain request): nothing is served (acceptable)
   * - served-plain / redirect-plain: content over plain HTTP, or a redirect that stays plain (not acceptable)
   * - error: the request failed otherwise (could not be checked)
   */
  outcome: 'redirect-https' | 'refused' | 'no-answer' | 'tls-only' | 'served-plain' | 'redirect-plain' | 'error';
  status: number | null;
  location: string | null;
  detail: string;
  /** Why this URL is probed. */
  why: string;
}

/** Outcomes that meet https.http.redirect. */
export const PLAIN_HTTP_ACCEPTABLE: readonly PlainHttpObservation['outcome'][] = ['redirect-https', 'refused', 'no-answer', 'tls-only'];

/**
 * The plain-HTTP URLs a user can reach the Nextcloud at, for TALK_URL (issue 12 point 10):
 * - always `http://host/…` (port 80): what a browser opens when someone types the host name
 *   without https://;
 * - when TALK_URL's https port is not 443, also `http://host:port/…`: the same address with the
 *   scheme forgotten or rewritten (a link or bookmark that lost its "s"), which must not serve
 *   Nextcloud in plain text either.
 * A plain-http TALK_URL is probed as it is (on its own port).
 */
export function plainHttpUrls(targetUrl: string): { url: string; why: string }[] {
  const u = new URL(targetUrl);
  const at = (port: string) => {
    const p = new URL(u.toString());
    p.protocol = 'http:';
    p.port = port;
    return p.toString();
  };
  if (u.protocol === 'http:') return [{ url: at(u.port), why: 'TALK_URL itself is plain http://' }];
  const out = [{ url: at(''), why: 'port 80: what a browser opens when the host name is typed without https://' }];
  if (u.port && u.port !== '443') {
    out.push({ url: at(u.port), why: `port ${u.port}, TALK_URL's https port, over plain http:// (a link that lost its "s")` });
  }
  return out;
}

/** Probes every URL of plainHttpUrls. */
export async function probePlainHttpAll(targetUrl: string): Promise<PlainHttpObservation[]> {
  const out: PlainHttpObservation[] = [];
  for (const { url, why } of plainHttpUrls(targetUrl)) out.push(await probePlainHttpUrl(url, targetUrl, why));
  return out;
}

/**
 * What a browser gets when someone types the host name without https://: plain HTTP on port 80
 * (the same path as the Nextcloud URL). Acceptable: a redirect to https:// on the same host,
 * or nothing listening. Not acceptable: Nextcloud served over plain HTTP.
 */
export async function probePlainHttp(targetUrl: string): Promise<PlainHttpObservation> {
  const first = plainHttpUrls(targetUrl)[0]!;
  return probePlainHttpUrl(first.url, targetUrl, first.why);
}

async function probePlainHttpUrl(url: string, targetUrl: string, why: string): Promise<PlainHttpObservation> {
  const host = new URL(targetUrl).hostname;
  const port = new URL(url).port || '80';
  const http = new HttpClient(url, { cookies: false });
  try {
    const res: HttpResponse = await http.request('status.php');
    const location = res.headers['location'] ?? null;
    if ([301, 302, 303, 307, 308].includes(res.status) && location) {
      const to = new URL(location, res.url);
      if (to.protocol === 'https:' && to.hostname === host) {
        return { url: res.url, outcome: 'redirect-https', status: res.status, location, detail: `${res.status} → ${location}`, why };
      }
      return { url: res.url, outcome: 'redirect-plain', status: res.status, location, detail: `${res.status} → ${location} (not https:// on ${host})`, why };
    }
    // nginx (ngx_http_request.c) answers plain HTTP on an `ssl` listener with this 400 page.
    if (res.status === 400 && /plain HTTP request was sent to HTTPS port/i.test(res.text())) {
      return { url: res.url, outcome: 'tls-only', status: 400, location: null, detail: `400 "The plain HTTP request was sent to HTTPS port": port ${port} speaks only TLS`, why };
    }
    return {
      url: res.url,
      outcome: 'served-plain',
      status: res.status,
      location,
      detail: `plain HTTP answered ${res.status} ${res.headers['content-type'] ?? ''} without redirecting`,
      why,
    };
  } catch (err) {
    if (err instanceof TalkError && err.code === 'NETWORK' && /refused/.test(err.message)) {
      return { url, outcome: 'refused', status: null, location: null, detail: `connection refused on port ${port}`, why };
    }
    if (err instanceof TalkError && err.code === 'TIMEOUT') {
      return { url, outcome: 'no-answer', status: null, location: null, detail: `port ${port} does not answer (filtered by a firewall)`, why };
    }
    // A TLS-only server that closes the connection on a plain request (no HTTP answer at all).
    if (err instanceof TalkError && /ECONNRESET|UND_ERR_SOCKET|other side closed|socket hang up/i.test(err.message)) {
      return { url, outcome: 'tls-only', status: null, location: null, detail: `port ${port} closed the connection on a plain HTTP request: it speaks only TLS`, why };
    }
    return { url, outcome: 'error', status: null, location: null, detail: (err as Error).message, why };
  } finally {
    await http.close();
  }
}

/** The verdict of https.http.redirect over every probed URL: the diagnoses of those that fail it. */
export function plainHttpProblems(observations: readonly PlainHttpObservation[]): string[] {
  return observations
    .filter((o) => !PLAIN_HTTP_ACCEPTABLE.includes(o.outcome))
    .map((o) =>
      o.outcome === 'served-plain'
        ? `Nextcloud is served over plain HTTP at ${o.url} (HTTP ${o.status}) instead of redirecting to https:// (${o.why})`
        : o.outcome === 'redirect-plain'
          ? `plain HTTP at ${o.url} redirects, but not to https:// on the same host (${o.location})`
          : `plain HTTP at ${o.url} could not be checked: ${o.detail}`,
    );
}
