import { registerSecret } from '../redact/index.ts';
import type { OcsClient } from '../talk/ocs.ts';
import { type TalkTurnServer, type TurnUrl, parseTurnUrl, usableTurnServers } from './settings.ts';

export interface TalkTurnSettings {
  status: number;
  servers: TalkTurnServer[];
  problems: string[];
  /** Every URL of every usable server, parsed; unparseable ones are in `problems`. */
  urls: (TurnUrl & { server: number })[];
  stunUrls: string[];
}

/**
 * Talk's TURN settings for a conversation (`GET …/api/v3/signaling/settings?token=`, docs/reference/talk-reference.md
 * section 3). The credentials are registered as secrets at once, so nothing the suite writes
 * afterwards can contain them.
 */
export async function fetchTurnSettings(ocs: OcsClient, token: string): Promise<TalkTurnSettings> {
  const res = await ocs.get<{ turnservers?: unknown; stunservers?: { urls?: string[] }[] }>(`apps/spreed/api/v3/signaling/settings?token=${encodeURIComponent(token)}`);
  const raw = res.data?.turnservers;
  if (Array.isArray(raw)) for (const s of raw) registerSecret((s as { credential?: string })?.credential);
  const { usable, problems } = usableTurnServers(raw);
  const urls: TalkTurnSettings['urls'] = [];
  usable.forEach((s, i) =>
    s.urls.forEach((u) => {
      const p = parseTurnUrl(u);
      if (p) urls.push({ ...p, server: i });
      else if (!/^stuns?:/i.test(u)) problems.push(`unparseable TURN URL "${u}"`);
    }),
  );
  return { status: res.status, servers: usable, problems, urls, stunUrls: (res.data?.stunservers ?? []).flatMap((s) => s.urls ?? []) };
}
