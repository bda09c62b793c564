import { Agent, type Dispatcher, errors as undiciErrors, request } from 'undici';
import { CookieJar } from 'tough-cookie';
import { redactText } from '../redact/index.ts';
import { TalkError, truncateBody } from './errors.ts';
import { trustedCAs } from './trust.ts';

/**
 * Named timeouts. Bad input (a host that does not answer) must be reported within 10 s, and a
 * Nextcloud under load may take a few seconds for an ordinary request, so:
 */
/** TCP + TLS connect: a reachable server answers a SYN in well under a second. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Headers of an ordinary (non-long-poll) request: generous for a busy PHP pool. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Talk's chat and signaling long polls are held up to 30 s by the server (ChatController, SignalingController). */
export const LONG_POLL_TIMEOUT_MS = 40_000;

export interface HttpOptions {
  /** Extra CA (PEM file) trusted besides the system store. */
  caFile?: string;
  /** Send and keep cookies (Talk sessions live in the PHP session cookie). Default true. */
  cookies?: boolean;
  userAgent?: string;
}

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body (object) or form body (URLSearchParams) or raw string. */
  body?: unknown;
  timeoutMs?: number;
  /** Abort from outside, e.g. when a long poll is no longer wanted. */
  signal?: AbortSignal;
  /**
   * Once aborted, this request is not sent any more (nor a retry or login it would need); one
   * already sent is NOT aborted but awaited to its answer or its timeout. For requests that must
   * not reach the server after what follows the stop (a load run's joins and sends: the
   * conversation is deleted next, and a request handled after that is a brute-force attempt).
   */
  notAfter?: AbortSignal;
  /** Follow redirects? Default false: several checks need to see the redirect itself. */
  followRedirects?: boolean;
}

export interface HttpResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export const USER_AGENT = 'talk-certify (+https://github.com/nextcloud/spreed/blob/main/docs/system-requirements.md)';

/** An undici dispatcher that trusts the system store plus the operator's CA; verification stays on. */
export function createDispatcher(caFile?: string): Dispatcher {
  return new Agent({
    connect: { ca: trustedCAs(caFile), timeout: CONNECT_TIMEOUT_MS },
    keepAliveTimeout: 4_000,
  });
}

/**
 * A small HTTP client on undici with a cookie jar. Every failure becomes a TalkError whose
 * message names the URL (secrets redacted) and what to check.
 */
export class HttpClient {
  readonly jar: CookieJar | null;
  /**
   * The Cookie header per origin + path, valid until the jar changes (through setCookie) or the
   * first of its cookies expires: a long-polling client asks tough-cookie once per session, not
   * once per request (issue 14's profile: the jar lookup was the largest per-request cost).
   */
  private readonly cookieHeaders = new Map<string, { header: string; until: number }>();
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(
    readonly baseUrl: string,
    private readonly options: HttpOptions & { dispatcher?: Dispatcher } = {},
  ) {
    this.jar = options.cookies === false ? null : new CookieJar();
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? createDispatcher(options.caFile);
  }

  /** Stores a cookie (as if `url` had answered with it); every cached Cookie header is recomputed. */
  async setCookie(cookie: string, url: string): Promise<void> {
    if (!this.jar) return;
    this.cookieHeaders.clear();
    await this.jar.setCookie(cookie, url, { ignoreError: true });
  }

  private async cookieHeader(url: URL): Promise<string> {
    const key = url.origin + url.pathname;
    const cached = this.cookieHeaders.get(key);
    if (cached && Date.now() < cached.until) return cached.header;
    const cookies = await this.jar!.getCookies(url.toString());
    let until = Number.POSITIVE_INFINITY;
    for (const c of cookies) {
      const t = c.expiryTime();
      if (typeof t === 'number' && Number.isFinite(t)) until = Math.min(until, t);
    }
    const header = cookies.map((c) => c.cookieString()).join('; ');
    this.cookieHeaders.set(key, { header, until });
    return header;
  }

  resolve(path: string, query?: HttpRequest['query']): URL {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    if (!query) return url;
    // One assignment of the whole query: each searchParams.set() re-serialises the URL.
    const params = new URLSearchParams(url.search);
    for (const k in query) if (query[k] !== undefined) params.set(k, String(query[k]));
    url.search = params.toString();
    return url;
  }

  async request(path: string, req: HttpRequest = {}): Promise<HttpResponse> {
    let url = this.resolve(path, req.query);
    let method = req.method ?? 'GET';
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const res = await this.once(url, method, body, req);
      const location = res.headers['location'];
      if (req.followRedirects && location && [301, 302, 303, 307, 308].includes(res.status) && hop < 5) {
        url = new URL(location, url);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return res;
    }
  }

  private async once(url: URL, method: string, body: unknown, req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? USER_AGENT, ...req.headers };
    let payload: string | undefined;
    if (body instanceof URLSearchParams) {
      payload = body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (typeof body === 'string') {
      payload = body;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    if (this.jar) {
      const cookie = await this.cookieHeader(url);
      if (cookie) headers['cookie'] = cookie;
    }
    const timeoutMs = req.timeoutMs ?? REQUEST_TIMEOUT_MS;
    if (req.notAfter?.aborted) throw new TalkError('NETWORK', `${method} ${redactText(url.toString())} not sent: stopped before it was sent`, { url: url.toString() });
    try {
      // The timeout is undici's own headers and body timeouts (its shared low-resolution timer
      // wheel, lib/util/timers.js) after the connect timeout: no AbortSignal.timeout and
      // AbortSignal.any per request (each a timer and listeners; issue 14's profile). Only a
      // timeout shorter than the connect timeout gets its own signal, so it also bounds the connect.
      const signal = timeoutMs < CONNECT_TIMEOUT_MS ? AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(req.signal ? [req.signal] : [])]) : req.signal;
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: payload,
        dispatcher: this.dispatcher,
        ...(signal ? { signal } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // Always consume the body: an unconsumed body keeps the connection busy (undici best practices).
      const buf = Buffer.from(await res.body.arrayBuffer());
      // undici's header names are already lower case.
      const flat: Record<string, string> = {};
      for (const k in res.headers) {
        const v = res.headers[k];
        if (v === undefined) continue;
        flat[k] = Array.isArray(v) ? v.join(k === 'set-cookie' ? '\n' : ', ') : v;
      }
      if (this.jar) {
        const setCookie = res.headers['set-cookie'];
        for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) await this.setCookie(c, url.toString());
      }
      return {
        url: url.toString(),
        status: res.statusCode,
        headers: flat,
        body: buf,
        text: () => buf.toString('utf8'),
        json: <T>() => {
          try {
            return JSON.parse(buf.toString('utf8')) as T;
          } catch {
            throw new TalkError(
              'HTTP_STATUS',
              `${method} ${redactText(url.toString())} answered ${res.statusCode} with a body that is not JSON: ${truncateBody(redactText(buf.toString('utf8')))}`,
              {
                url: url.toString(),
                status: res.statusCode,
              },
            );
          }
        },
      };
    } catch (err) {
      throw toTalkError(err, method, url, timeoutMs, req.signal);
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

/** Maps undici/Node errors to TalkError codes with advice. */
export function toTalkError(err: unknown, method: string, url: URL, timeoutMs: number, external?: AbortSignal): TalkError {
  if (err instanceof TalkError) return err;
  const where = `${method} ${redactText(url.toString())}`;
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e?.cause?.code ?? e?.code ?? '';
  const msg = String(e?.cause?.message ?? e?.message ?? err);
  if (external?.aborted) return new TalkError('TIMEOUT', `${where} was aborted by the caller`, { url: url.toString() }, { cause: err });
  if (
    e?.name === 'TimeoutError' ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT'
  ) {
    const phase = code === 'UND_ERR_CONNECT_TIMEOUT' ? `could not connect within ${CONNECT_TIMEOUT_MS} ms` : `got no answer within ${timeoutMs} ms`;
    return new TalkError(
      'TIMEOUT',
      `${where} ${phase}: check that the host is reachable from this machine (firewall, VPN) and the server is up.`,
      { url: url.toString() },
      { cause: err },
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new TalkError(
      'NETWORK',
      `${where}: the host name "${url.hostname}" does not resolve (${code}). Check TALK_URL for typos and this machine's DNS.`,
      { url: url.toString() },
      { cause: err },
    );
  }
  if (code === 'ECONNREFUSED') {
    return new TalkError(
      'NETWORK',
      `${where}: connection refused on port ${url.port || (url.protocol === 'https:' ? 443 : 80)}: nothing listens there. Check the port in TALK_URL and that the web server runs.`,
      { url: url.toString() },
      { cause: err },
    );
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME|altnames/i.test(code + ' ' + msg)) {
    return new TalkError('TLS', `${where}: the TLS certificate was rejected (${code || 'TLS'}: ${msg}). ${tlsAdvice(code, url)}`, { url: url.toString() }, { cause: err });
  }
  return new TalkError('NETWORK', `${where} failed: ${code ? `${code}: ` : ''}${msg}`, { url: url.toString() }, { cause: err });
}

/** What to do about a rejected certificate, by OpenSSL/Node verification code. Browsers reject the same certificate, so verification is never turned off. */
function tlsAdvice(code: string, url: URL): string {
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return "The server's certificate is outside its validity period: renew it (e.g. `certbot renew`) and reload the web server.";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames|HOSTNAME/i.test(code)) {
    return `The certificate is for another host name than "${url.hostname}": put the host name the certificate names into TALK_URL, or get a certificate that covers "${url.hostname}".`;
  }
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') {
    return "The certificate is self-signed: set TALK_CA_FILE to that certificate (PEM) to certify anyway, or better use one from a CA browsers trust (e.g. Let's Encrypt).";
  }
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' || code === 'UNABLE_TO_GET_ISSUER_CERT') {
    return 'The certificate is signed by a CA this machine does not trust, or the server does not send its intermediate certificates: set TALK_CA_FILE to your private CA (PEM), or configure the full chain on the server.';
  }
  return "If the server uses a private CA, set TALK_CA_FILE to its certificate; otherwise fix the server's certificate.";
}
