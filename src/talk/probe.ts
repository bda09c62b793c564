import type { Credentials } from '../config/index.ts';
import { redactText } from '../redact/index.ts';
import { THROTTLE_REMEDY, TalkError, truncateBody } from './errors.ts';
import { HttpClient } from './http.ts';
import { OcsClient } from './ocs.ts';

/** What `status.php` says (NC 32.0.1 sample: installed, maintenance, needsDbUpgrade, version, versionstring, edition, productname). */
export interface NextcloudStatus {
  installed: boolean;
  maintenance: boolean;
  needsDbUpgrade: boolean;
  version: string;
  versionstring: string;
  productname: string;
}

export interface TalkInfo {
  installed: boolean;
  version: string | null;
  features: string[];
  /** `capabilities.spreed.config` as published. */
  config: Record<string, unknown>;
  /** Why Talk counts as missing, when it does. */
  reason: string | null;
}

export interface TargetProbe {
  url: string;
  status: NextcloudStatus;
  user: { id: string; displayName: string } | null;
  talk: TalkInfo;
  probedAt: string;
}

/**
 * Probes a Nextcloud once before any check: is it Nextcloud, installed, out of maintenance; do
 * the credentials work; is Talk there. Each problem stops the run with a TalkError naming the
 * cause, because no check could say anything useful past it.
 */
export async function probeTarget(url: string, credentials: Credentials | undefined, caFile?: string): Promise<TargetProbe> {
  const http = new HttpClient(url, { caFile });
  try {
    const status = await readStatus(http);
    const ocs = new OcsClient(http, credentials);
    let user: TargetProbe['user'] = null;
    if (credentials) {
      // One authenticated request; a 401 stops here (no retry that brute-force protection would count).
      const me = await ocs.get<{ id: string; displayname?: string; 'display-name'?: string }>('cloud/user');
      user = { id: me.data.id, displayName: me.data.displayname ?? me.data['display-name'] ?? me.data.id };
    }
    const caps = await ocs.get<{ version: unknown; capabilities: Record<string, unknown> }>('cloud/capabilities');
    return { url, status, user, talk: talkInfo(caps.data.capabilities), probedAt: new Date().toISOString() };
  } finally {
    await http.close();
  }
}

async function readStatus(http: HttpClient): Promise<NextcloudStatus> {
  const res = await http.request('status.php', { followRedirects: true });
  const where = `GET ${redactText(res.url)}`;
  // What was found, for the messages below: status, who answered (Server), and the start of the body.
  const found = () =>
    `HTTP ${res.status}${res.headers['server'] ? ` from "${res.headers['server']}"` : ''}${res.headers['retry-after'] ? ` (Retry-After: ${res.headers['retry-after']})` : ''}` +
    ` ${res.headers['content-type'] ?? ''}: ${truncateBody(redactText(res.text()), 120)}`;
  if (res.status === 429) {
    throw new TalkError('THROTTLED', `${where} answered ${found()}: Nextcloud (or a rate limit in front of it) is throttling this machine. ${THROTTLE_REMEDY}`, {
      url: res.url,
      status: 429,
    });
  }
  if (res.status === 503 && /maintenance/i.test(res.text())) {
    // index.php and friends answer 503 with the maintenance template while `maintenance` is on.
    throw new TalkError('MAINTENANCE', `${where} answered ${found()}: Nextcloud is in maintenance mode. Leave it (\`occ maintenance:mode --off\`) and run again.`, {
      url: res.url,
      status: 503,
    });
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    // Nextcloud's status.php answers 200 even in maintenance mode: a 5xx here comes from the web
    // server or a proxy / load balancer that could not get an answer from Nextcloud.
    throw new TalkError(
      'UNAVAILABLE',
      `${where} answered ${found()}, not Nextcloud's status JSON: the web server or a proxy in front of Nextcloud could not reach it ` +
        "(PHP-FPM down or overloaded, upstream misconfigured, Nextcloud being upgraded). Check the proxy's upstream and PHP-FPM, then run again.",
      { url: res.url, status: res.status },
    );
  }
  let body: Partial<NextcloudStatus> | null = null;
  try {
    body = JSON.parse(res.text()) as Partial<NextcloudStatus>;
  } catch {
    body = null;
  }
  if (res.status !== 200 || !body || typeof body.installed !== 'boolean' || typeof body.version !== 'string') {
    throw new TalkError(
      'NOT_NEXTCLOUD',
      `${where} answered ${found()} — not Nextcloud's status JSON: ` +
        'TALK_URL does not point at a Nextcloud. Use the URL you open in the browser to log in (including a sub-folder such as /nextcloud/).',
      { url: res.url, status: res.status },
    );
  }
  if (!body.installed) {
    throw new TalkError('NOT_INSTALLED', `${where}: Nextcloud is not installed yet (installed=false). Finish the installation first.`, { url: res.url });
  }
  if (body.maintenance) {
    throw new TalkError('MAINTENANCE', `${where} says "maintenance": true: Nextcloud is in maintenance mode. Leave it (\`occ maintenance:mode --off\`) and run again.`, {
      url: res.url,
    });
  }
  return {
    installed: body.installed,
    maintenance: Boolean(body.maintenance),
    needsDbUpgrade: Boolean(body.needsDbUpgrade),
    version: body.version,
    versionstring: body.versionstring ?? body.version,
    productname: body.productname ?? 'Nextcloud',
  };
}

/** Talk's capabilities are absent when the app is disabled or the user is outside its allowed groups (spreed lib/Capabilities.php). */
export function talkInfo(capabilities: Record<string, unknown>): TalkInfo {
  const spreed = capabilities['spreed'] as { version?: string; features?: string[]; config?: Record<string, unknown> } | undefined;
  if (!spreed || typeof spreed !== 'object' || Array.isArray(spreed)) {
    return {
      installed: false,
      version: null,
      features: [],
      config: {},
      reason: 'the capabilities have no `spreed` entry: Talk is not installed, disabled, or not enabled for this user',
    };
  }
  return { installed: true, version: spreed.version ?? null, features: spreed.features ?? [], config: spreed.config ?? {}, reason: null };
}
