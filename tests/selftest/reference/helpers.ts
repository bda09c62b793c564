import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent, type Dispatcher, request } from 'undici';
import type { ReferencePlatform, ReferenceUser } from '../../../src/reference/index.ts';

export const execFileP = promisify(execFile);

/** Where self-test platforms keep their files; each instance removes its own folder on stop. */
export const WORK_DIR = path.join(os.tmpdir(), 'talk-certify-selftest-reference');

/** Integration tests create namespaces and run nginx/coturn: root only. */
export const NOT_ROOT = typeof process.getuid === 'function' && process.getuid() !== 0;
export const NOT_ROOT_REASON = 'the reference platform needs root (network namespaces, nginx and coturn as root)';

export interface Res {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  text: string;
  header(name: string): string | undefined;
  json<T = any>(): T;
}

/**
 * A small HTTP client for the self-tests: undici with the instance CA, a cookie jar (Talk's
 * session lives in the PHP session cookie), optional Basic auth, never follows redirects.
 * Deliberately independent of src/talk so the platform is tested by a second implementation.
 */
export class Client {
  readonly cookies = new Map<string, string>();
  private readonly dispatcher: Dispatcher;

  constructor(
    readonly base: string,
    caFile: string | null,
    private readonly auth: ReferenceUser | null = null,
  ) {
    this.dispatcher = new Agent({ connect: caFile ? { ca: readFileSync(caFile, 'utf8') } : {} });
  }

  static for(platform: ReferencePlatform, user: ReferenceUser | null = null): Client {
    return new Client(platform.url, platform.caFile, user);
  }

  async req(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD',
    pathOrUrl: string,
    opts: { headers?: Record<string, string>; form?: Record<string, string>; json?: unknown; signal?: AbortSignal; ocs?: boolean; noAuth?: boolean } = {},
  ): Promise<Res> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : new URL(pathOrUrl.replace(/^\//, ''), this.base).toString();
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.ocs) {
      headers['ocs-apirequest'] ??= 'true';
      headers['accept'] ??= 'application/json';
    }
    if (this.auth && !opts.noAuth) headers['authorization'] = `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`;
    if (this.cookies.size) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    const res = await request(url, { method, headers, body, dispatcher: this.dispatcher, signal: opts.signal, headersTimeout: 60_000, bodyTimeout: 60_000 });
    const buf = Buffer.from(await res.body.arrayBuffer());
    const text = buf.toString('utf8');
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
    }
    const flat = res.headers as Record<string, string | string[]>;
    return {
      status: res.statusCode,
      headers: flat,
      body: buf,
      text,
      header: (name) => {
        const v = flat[name.toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : v;
      },
      json: () => JSON.parse(text),
    };
  }

  ocs(method: 'GET' | 'POST' | 'PUT' | 'DELETE', p: string, opts: { form?: Record<string, string>; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Res> {
    return this.req(method, `ocs/v2.php/${p.replace(/^\//, '')}`, { ...opts, ocs: true });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** The platform's counts from the control endpoint on the double's direct listener. */
export async function referenceState(platform: ReferencePlatform): Promise<Record<string, number>> {
  const res = await request(`${platform.control.url}__reference/state`, { headers: { 'x-reference-control': platform.control.token } });
  if (res.statusCode !== 200) throw new Error(`state: HTTP ${res.statusCode}`);
  return (await res.body.json()) as Record<string, number>;
}

export async function netnsList(): Promise<string[]> {
  const { stdout } = await execFileP('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/** Processes whose command line mentions `needle` (e.g. an instance work dir). */
export async function processesMatching(needle: string): Promise<string[]> {
  const { stdout } = await execFileP('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}
