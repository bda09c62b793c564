/**
 * TURN servers as Talk hands them to clients in the signaling settings
 * (`GET /ocs/v2.php/apps/spreed/api/v3/signaling/settings?token=…`, lib/Config.php
 * getTurnSettings): `{urls: ["turn:host:443?transport=udp", …], username, credential}`.
 */

export interface TalkTurnServer {
  urls: string[];
  username: string;
  credential: string;
}

export type TurnTransport = 'udp' | 'tcp' | 'tls';

export interface TurnUrl {
  url: string;
  scheme: 'turn' | 'turns';
  host: string;
  port: number;
  /** `?transport=` (RFC 7065 section 3.1); absent means UDP for turn: and TCP for turns:. */
  protocol: 'udp' | 'tcp';
  /** What the browser uses to reach the server: turn:…udp → udp, turn:…tcp → tcp, turns: → tls. */
  transport: TurnTransport;
}

/** RFC 7065 section 3.1: `turn[s]:host[:port][?transport=udp|tcp]`; default port 3478 (turn) / 5349 (turns). */
export function parseTurnUrl(url: string): TurnUrl | null {
  const m = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(url.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase() as 'turn' | 'turns';
  const protocol = (m[4]?.toLowerCase() as 'udp' | 'tcp' | undefined) ?? (scheme === 'turns' ? 'tcp' : 'udp');
  return {
    url,
    scheme,
    host: m[2]!.replace(/^\[|\]$/g, ''),
    port: m[3] ? Number(m[3]) : scheme === 'turns' ? 5349 : 3478,
    protocol,
    transport: scheme === 'turns' ? 'tls' : protocol,
  };
}

/** The `turnservers` entries that carry URLs, a username and a credential (what a browser can use). */
export function usableTurnServers(raw: unknown): { usable: TalkTurnServer[]; problems: string[] } {
  const problems: string[] = [];
  const usable: TalkTurnServer[] = [];
  if (!Array.isArray(raw)) return { usable, problems: [`turnservers is ${raw === undefined ? 'missing' : typeof raw}, not a list`] };
  raw.forEach((s: unknown, i) => {
    const e = (s ?? {}) as Record<string, unknown>;
    const urls = Array.isArray(e.urls) ? e.urls.filter((u): u is string => typeof u === 'string') : typeof e.urls === 'string' ? [e.urls] : [];
    if (urls.length === 0) problems.push(`turnservers[${i}] has no urls`);
    if (typeof e.username !== 'string' || e.username === '') problems.push(`turnservers[${i}] has no username`);
    if (typeof e.credential !== 'string' || e.credential === '') problems.push(`turnservers[${i}] has no credential`);
    if (urls.length > 0 && typeof e.username === 'string' && e.username && typeof e.credential === 'string' && e.credential) {
      usable.push({ urls, username: e.username, credential: e.credential });
    }
  });
  return { usable, problems };
}

/** Evidence-safe view: URLs only, credentials redacted by omission. */
export function describeTurnServers(servers: TalkTurnServer[]): { urls: string[]; username: string; credential: string }[] {
  return servers.map((s) => ({ urls: s.urls, username: '<redacted>', credential: '<redacted>' }));
}
