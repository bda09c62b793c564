import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Duplex } from 'node:stream';
import { Agent, WebSocket, request } from 'undici';
import { trustedCAs } from './trust.ts';

/**
 * Talk's client side of the High-Performance Backend, in Node (issue 13): what Talk's web client
 * does (spreed src/utils/signaling.js, `Standalone`), with only the signaling settings Talk hands
 * the user and the user's own credentials — no secret of the HPB.
 */

/**
 * Features Talk requires of the HPB (spreed lib/Signaling/Manager.php hasRequiredFeatures; without
 * one, Talk's setup check says "update required"); read from the welcome's X-Spreed-Signaling-Features.
 */
export const HPB_REQUIRED_FEATURES = ['audio-video-permissions', 'federation', 'incall-all', 'hello-v2', 'switchto'] as const;
/** Features whose absence Talk reports as "update optional" (Manager.php getSignalingServerMissingFeatures). */
export const HPB_OPTIONAL_FEATURES = ['dialout', 'join-features', 'chat-relay', 'changed-users'] as const;
/** Config::ALLOWED_BACKEND_TIMEOFFSET: the HPB's Date may differ from Nextcloud's clock by at most 45 s. */
export const HPB_ALLOWED_TIME_OFFSET_S = 45;
/** Talk's client waits this long for the welcome message before it sends hello anyway (signaling.js welcomeTimeoutMs). */
export const WELCOME_TIMEOUT_MS = 3_000;
/** How long a hello answer may take: the HPB asks Nextcloud's backend endpoint first (its own timeout is 10 s). */
export const HELLO_TIMEOUT_MS = 15_000;

/**
 * The signaling server pings every client every 54 s and closes it when nothing (a pong) came
 * back for 60 s (strukturag/nextcloud-spreed-signaling client.go: `pongWait = 60 * time.Second`,
 * `pingPeriod = (pongWait * 9) / 10`, WritePump/ReadPump). A proxy that ends idle WebSockets
 * sooner than that (nginx's `proxy_read_timeout` defaults to 60 s) cuts every quiet client.
 */
export const HPB_PING_PERIOD_S = 54;
/** talk.hpb.idle: how long a connection stays quiet — longer than one ping period, past nginx's default 60 s timeouts. */
export const HPB_IDLE_MS = 70_000;

/** signaling.js Standalone(): https → wss, trailing slash removed, `/spreed` appended. */
export function hpbWebSocketUrl(server: string): string {
  let url = server;
  if (url.startsWith('https://')) url = `wss://${url.slice(8)}`;
  else if (url.startsWith('http://')) url = `ws://${url.slice(7)}`;
  if (url.endsWith('/')) url = url.slice(0, -1);
  return `${url}/spreed`;
}

/**
 * Mixed content: on Talk's https pages, signaling.js Standalone() turns an `http://` HPB URL into
 * `ws://…/spreed`, and browsers refuse an insecure WebSocket from a secure page (Chromium: "An
 * insecure WebSocket connection may not be initiated from a page loaded over HTTPS"; Firefox:
 * SecurityError). The diagnosis, or null when the scheme is fine.
 */
export function mixedContent(pageUrl: string, server: string): string | null {
  if (!/^https:/i.test(pageUrl) || !/^(http|ws):\/\//i.test(server)) return null;
  return (
    `Talk hands clients the HPB URL ${server} on its https pages: Talk's client (signaling.js) opens ${hpbWebSocketUrl(server)}, ` +
    "which browsers block as mixed content — the HPB URL in Talk's admin settings (Talk > High-performance backend) must be https://"
  );
}

/**
 * Nextcloud's clock as Talk's client can see it: the `iat` (Nextcloud's `time()`) of the hello v2
 * token in the signaling settings (Config::getSignalingTicketV2, an unencrypted JWT); null without one.
 */
export function tokenIssuedAt(token: unknown): number | null {
  if (typeof token !== 'string') return null;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat?: unknown };
    return typeof claims.iat === 'number' ? claims.iat : null;
  } catch {
    return null;
  }
}

/** Manager::checkServerCompatibility: ws(s) → http(s), trailing slash removed, `/api/v1/welcome`. */
export function hpbWelcomeUrl(server: string): string {
  let url = server.replace(/\/+$/, '');
  if (url.toLowerCase().startsWith('wss://')) url = `https://${url.slice(6)}`;
  else if (url.toLowerCase().startsWith('ws://')) url = `http://${url.slice(5)}`;
  return `${url}/api/v1/welcome`;
}

/** signaling.js _getBackendUrl: generateOcsUrl('apps/spreed/api/v3/signaling/backend') on the Nextcloud base URL. */
export function hpbBackendUrl(nextcloudBase: string): string {
  return new URL('ocs/v2.php/apps/spreed/api/v3/signaling/backend', nextcloudBase.endsWith('/') ? nextcloudBase : `${nextcloudBase}/`).toString();
}

export interface WelcomeResult {
  url: string;
  status: number | null;
  /** Transport error (connection refused, TLS, timeout) when there is no status. */
  error?: string;
  version?: string;
  features: string[];
  /** The HPB's clock minus ours, seconds (from its Date header). */
  clockOffsetS?: number;
  body: string;
}

export async function fetchWelcome(server: string, caFile?: string, timeoutMs = 10_000): Promise<WelcomeResult> {
  const url = hpbWelcomeUrl(server);
  const agent = new Agent({ connect: { ca: trustedCAs(caFile), timeout: timeoutMs } });
  try {
    const before = Date.now();
    const res = await request(url, { dispatcher: agent, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const body = await res.body.text();
    const after = Date.now();
    const header = (n: string) => {
      const v = res.headers[n];
      return Array.isArray(v) ? v.join(', ') : (v ?? '');
    };
    const features = header('x-spreed-signaling-features')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    let version: string | undefined;
    try {
      const json = JSON.parse(body) as { version?: unknown };
      if (typeof json.version === 'string') version = json.version;
    } catch {
      // not JSON: no version
    }
    const date = Date.parse(header('date'));
    const clockOffsetS = Number.isFinite(date) ? Math.round((date - (before + after) / 2) / 1000) : undefined;
    return { url, status: res.statusCode, version, features, clockOffsetS, body: body.slice(0, 300) };
  } catch (err) {
    return { url, status: null, error: (err as Error).message, features: [], body: '' };
  } finally {
    await agent.close();
  }
}

export interface UpgradeResult {
  url: string;
  /** 101 when the WebSocket was accepted; else the HTTP status the proxy or HPB answered with. */
  status: number | null;
  error?: string;
  /** First bytes of a refusal's body (what nginx or the HPB said). */
  body: string;
  server: string;
}

/**
 * One WebSocket opening handshake (RFC 6455 section 4.1) to `<server>/spreed`, as a browser sends
 * it, to see whether the proxy passes the upgrade on: 101, or the status and body of the refusal.
 */
export function tryUpgrade(server: string, caFile?: string, timeoutMs = 10_000): Promise<UpgradeResult> {
  const wsUrl = hpbWebSocketUrl(server);
  const url = new URL(wsUrl.replace(/^ws/, 'http'));
  const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const done = (r: Omit<UpgradeResult, 'url'>) => resolve({ url: wsUrl, ...r });
    const req = doRequest(url, {
      method: 'GET',
      ca: url.protocol === 'https:' ? trustedCAs(caFile) : undefined,
      timeout: timeoutMs,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      done({ status: res.statusCode ?? 101, body: '', server: String(res.headers['server'] ?? '') });
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8').slice(0, 200).trim(), server: String(res.headers['server'] ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => done({ status: null, error: err.message, body: '', server: '' }));
    req.end();
  });
}

export interface HelloResult {
  url: string;
  version: '1.0' | '2.0';
  opened: boolean;
  error?: string;
  /** The welcome message's features (only sent by HPBs with the `welcome` feature). */
  welcomeFeatures: string[] | null;
  /** The answer to our hello: `hello` with a session id, or `error` with a code. */
  response?: { type: string; sessionId?: string; userId?: string; errorCode?: string; errorMessage?: string; features?: string[] };
  elapsedMs: number;
  /** Whether our hello went out before the socket closed (Talk's client first waits up to 3 s for the welcome). */
  helloSent?: boolean;
  /** The reason of a `bye` the HPB sent on its own (e.g. 0.4.1's `hello_timeout`: no hello within 2 s). */
  byeReason?: string;
  /** When the socket closed, ms after it opened, if it closed before the answer. */
  closedAfterMs?: number;
}

/**
 * Opens `<server>/spreed` like Talk's client: waits for the welcome (3 s) when hello v2 is offered,
 * then sends hello with the settings' helloAuthParams and the Nextcloud backend URL, and reports
 * the answer. v2 only when the server announces `hello-v2` (as the client decides).
 */
export async function helloOverWebSocket(o: {
  server: string;
  nextcloudBase: string;
  helloAuthParams: Record<string, unknown>;
  version: '1.0' | '2.0';
  caFile?: string;
  timeoutMs?: number;
}): Promise<HelloResult> {
  const url = hpbWebSocketUrl(o.server);
  const started = Date.now();
  const agent = new Agent({ connect: { ca: trustedCAs(o.caFile), timeout: 10_000 } });
  const ws = new WebSocket(url, { dispatcher: agent });
  const result: HelloResult = { url, version: o.version, opened: false, welcomeFeatures: null, elapsedMs: 0 };
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        result.error = `no answer to hello within ${o.timeoutMs ?? HELLO_TIMEOUT_MS} ms`;
        resolve();
      }, o.timeoutMs ?? HELLO_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      let helloSent = false;
      const sendHello = () => {
        if (helloSent) return;
        helloSent = true;
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'hello',
            hello: { version: o.version, auth: { url: hpbBackendUrl(o.nextcloudBase), params: o.helloAuthParams[o.version] } },
          }),
        );
      };
      let openedAt = 0;
      ws.addEventListener('open', () => {
        result.opened = true;
        openedAt = Date.now();
        setTimeout(sendHello, WELCOME_TIMEOUT_MS);
      });
      ws.addEventListener('error', (ev) => {
        result.error ??= `WebSocket error: ${(ev as unknown as { message?: string }).message ?? 'connection failed'}`;
      });
      ws.addEventListener('close', (ev) => {
        if (!result.response) {
          result.helloSent = helloSent;
          if (openedAt) result.closedAfterMs = Date.now() - openedAt;
          result.error ??=
            `the WebSocket closed (code ${ev.code}${ev.reason ? `, ${ev.reason}` : ''})` +
            (result.byeReason ? ` after the HPB's bye "${result.byeReason}"` : '') +
            (result.closedAfterMs !== undefined ? ` ${(result.closedAfterMs / 1000).toFixed(1)} s after it opened` : '') +
            (helloSent ? ' before an answer to hello' : ' before our hello (Talk waits 3 s for a welcome message first)');
        }
        finish();
      });
      ws.addEventListener('message', (ev) => {
        const msg = parseSignalingMessage(ev.data);
        if (!msg) return;
        if (msg['type'] === 'welcome') {
          result.welcomeFeatures = (msg['welcome']?.['features'] as string[] | undefined) ?? [];
          sendHello();
          return;
        }
        if (msg['type'] === 'bye' && msg['id'] === undefined) result.byeReason = String(msg['bye']?.['reason'] ?? '');
        if (msg['id'] !== '1') return;
        if (msg['type'] === 'hello') {
          result.response = {
            type: 'hello',
            sessionId: msg['hello']?.['sessionid'],
            userId: msg['hello']?.['userid'],
            features: msg['hello']?.['server']?.['features'],
          };
        } else {
          result.response = { type: String(msg['type']), errorCode: msg['error']?.['code'], errorMessage: msg['error']?.['message'] };
        }
        finish();
      });
    });
  } finally {
    result.elapsedMs = Date.now() - started;
    try {
      if (result.response?.type === 'hello') ws.send(JSON.stringify({ type: 'bye', bye: {} }));
      ws.close(1000);
    } catch {
      // already closed
    }
    await agent.close().catch(() => {});
  }
  return result;
}

/**
 * One signaling connection as Talk's client keeps it (signaling.js Standalone): hello, then
 * joining the conversation's room with the Nextcloud session id (`{type: 'room', room: {roomid,
 * sessionid}}`, joinRoom), collecting every message the HPB sends (room events included).
 */
export class HpbConnection {
  readonly messages: Record<string, any>[] = [];
  private ws: WebSocket | null = null;
  private agent: Agent;
  private nextId = 1;
  private waiters: { match: (m: Record<string, any>) => boolean; resolve: (m: Record<string, any>) => void; reject?: (err: Error) => void }[] = [];
  closed: string | null = null;
  /** Close code and when the socket closed (ms since open), once it did. */
  closeCode: number | null = null;
  closedAtMs: number | null = null;
  openedAt = 0;
  /** WebSocket pings received from the HPB (answered with a pong by undici, RFC 6455 section 5.5.2). */
  pings = 0;
  welcomeFeatures: string[] | null = null;
  /** The reason of a `bye` the HPB sent on its own (e.g. 0.4.1's `hello_timeout`). */
  byeReason: string | null = null;
  private onClose: (() => void)[] = [];
  private pingListener = (m: unknown) => {
    if ((m as { websocket?: unknown }).websocket === this.ws) this.pings++;
  };

  constructor(
    readonly server: string,
    caFile?: string,
  ) {
    this.agent = new Agent({ connect: { ca: trustedCAs(caFile), timeout: 10_000 } });
  }

  /** Opens the socket and waits for the welcome (or Talk's 3 s welcome timeout). Rejects when it cannot open. */
  async open(): Promise<void> {
    const ws = new WebSocket(hpbWebSocketUrl(this.server), { dispatcher: this.agent });
    this.ws = ws;
    this.openedAt = Date.now();
    diagnosticsChannel.subscribe('undici:websocket:ping', this.pingListener);
    ws.addEventListener('message', (ev) => {
      const msg = parseSignalingMessage(ev.data);
      if (!msg) return;
      this.messages.push(msg);
      if (msg['type'] === 'welcome') this.welcomeFeatures = (msg['welcome']?.['features'] as string[] | undefined) ?? [];
      if (msg['type'] === 'bye' && msg['id'] === undefined) this.byeReason = String(msg['bye']?.['reason'] ?? '');
      for (const w of [...this.waiters]) {
        if (w.match(msg)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(msg);
        }
      }
    });
    ws.addEventListener('close', (ev) => {
      this.closeCode = ev.code;
      this.closedAtMs = Date.now() - this.openedAt;
      this.closed =
        `closed (code ${ev.code}${ev.reason ? `, ${ev.reason}` : ''})` +
        (this.byeReason !== null ? ` after the HPB's bye "${this.byeReason}" ${(this.closedAtMs / 1000).toFixed(1)} s after it opened` : '');
      for (const f of this.onClose.splice(0)) f();
      // Nothing more can come: waiters learn it now rather than at their timeout.
      for (const w of this.waiters.splice(0)) w.reject?.(new Error(`the socket ${this.closed}`));
    });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener(
        'open',
        () => {
          this.openedAt = Date.now();
          resolve();
        },
        { once: true },
      );
      ws.addEventListener('error', () => reject(new Error(`the WebSocket to ${hpbWebSocketUrl(this.server)} did not open`)), { once: true });
    });
    await this.waitFor((m) => m['type'] === 'welcome', WELCOME_TIMEOUT_MS).catch(() => null);
  }

  /** Resolves with the first message (already received or coming) that matches, or rejects after `timeoutMs`. */
  waitFor(match: (m: Record<string, any>) => boolean, timeoutMs: number): Promise<Record<string, any>> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(new Error(`the socket ${this.closed}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: Record<string, any>) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`nothing within ${timeoutMs} ms${this.closed ? `; the socket ${this.closed}` : ''}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits `ms` without sending anything; resolves earlier when the socket closes. */
  idle(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.onClose.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends a request with an id and waits for the answer carrying that id. */
  async call(msg: Record<string, unknown>, timeoutMs = HELLO_TIMEOUT_MS): Promise<Record<string, any>> {
    const id = String(this.nextId++);
    this.ws!.send(JSON.stringify({ ...msg, id }));
    return this.waitFor((m) => m['id'] === id, timeoutMs);
  }

  hello(version: '1.0' | '2.0', nextcloudBase: string, params: unknown): Promise<Record<string, any>> {
    return this.call({ type: 'hello', hello: { version, auth: { url: hpbBackendUrl(nextcloudBase), params } } });
  }

  joinRoom(roomid: string, sessionid: string): Promise<Record<string, any>> {
    return this.call({ type: 'room', room: { roomid, sessionid } });
  }

  async close(): Promise<void> {
    diagnosticsChannel.unsubscribe('undici:websocket:ping', this.pingListener);
    try {
      this.ws?.send(JSON.stringify({ type: 'bye', bye: {} }));
      this.ws?.close(1000);
    } catch {
      // already closed
    }
    await this.agent.close().catch(() => {});
  }
}

/** A signaling server message as JSON; null for anything that is not JSON (ignored, as Talk's client does). */
function parseSignalingMessage(data: unknown): Record<string, any> | null {
  try {
    return JSON.parse(String(data)) as Record<string, any>;
  } catch {
    return null;
  }
}
