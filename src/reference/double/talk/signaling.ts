import { randomBytes } from 'node:crypto';
import { TURN_DNS_NAME } from '../../tls.ts';
import type { Ctx } from '../context.ts';
import { externalSignalingSettings } from '../hpb.ts';
import type { OcsOut } from '../ocs.ts';
import { ROOM_TYPE, type Room, nowS } from '../store.ts';
import { talkTurnCredentials, turnUrls, unreachableTurnHost } from './config.ts';
import { PERMISSIONS_MODERATOR, PERMISSIONS_USER, isModerator } from './formatter.ts';
import { currentSession, findRoom, pollInterval } from './shared.ts';

/**
 * SignalingController (nextcloud/spreed lib/Controller/SignalingController.php, routes in
 * appinfo/routes/routesSignalingController.php): the signaling settings (STUN, TURN with
 * credentials, the HPB's when there is one) and internal signaling, the long poll that pulls
 * messages and the participant list and the POST that sends them (with the signaling-broken
 * fault). The HPB's backend endpoint of the same controller is in double/hpb.ts.
 */

/** SignalingController::PULL_MESSAGES_TIMEOUT. */
export const SIGNALING_PULL_TIMEOUT_S = 30;
/** Sessions that pinged within this window are listed in usersInRoom (docs/reference/talk-reference.md section 4). */
const SESSION_ACTIVE_S = 40;

/** SignalingController::getSettings. */
export function signalingSettings(ctx: Ctx, out: OcsOut): void {
  const token = ctx.param('token') ?? '';
  const user = ctx.user;
  if (token !== '') {
    const room = ctx.store.rooms.get(token);
    if (!room || !user || (!room.attendees.has(user.id) && room.type !== ROOM_TYPE.public)) return out.fail(404);
  } else if (!user) {
    return out.fail(404);
  }
  const { profile, turnHost, talkTurnSecret } = ctx.config;
  const creds = talkTurnCredentials(talkTurnSecret);
  const ticket = randomBytes(48).toString('base64url');
  // Profile `hpb`: the real HPB's URL, a ticket and a token it can verify (double/hpb.ts).
  const external = externalSignalingSettings(ctx);
  out.ok({
    signalingMode: profile.signaling.mode,
    userId: user?.id ?? null,
    hideWarning: false,
    server: '',
    ticket,
    helloAuthParams: { '1.0': { userid: user?.id ?? null, ticket }, '2.0': { token: fakeJwt(user?.id ?? null) } },
    ...external,
    stunservers: [{ urls: profile.stun.ports.map((port) => `stun:${turnHost}:${port}`) }],
    // One username for all servers (Config::getTurnSettings).
    turnservers: turnUrls(profile.turn.unreachable ? unreachableTurnHost(turnHost) : turnHost, profile.turn.servers, TURN_DNS_NAME).map((urls) => ({
      urls,
      username: creds.username,
      credential: creds.credential,
    })),
    sipDialinInfo: '',
    federation: null,
  });
}

/** Shape of Talk's hello v2 token (a signed JWT); only the HPB would verify it, and there is none. */
function fakeJwt(userId: string | null): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ iat: nowS(), exp: nowS() + 60, sub: userId ?? '' })}.${randomBytes(48).toString('base64url')}`;
}

function usersInRoom(ctx: Ctx, room: Room): Record<string, unknown>[] {
  const cutoff = nowS() - SESSION_ACTIVE_S;
  return ctx.store
    .sessionsOfRoom(room.token)
    .filter((s) => s.lastPing >= cutoff)
    .map((s) => {
      const a = room.attendees.get(s.userId);
      return {
        userId: s.userId,
        roomId: room.id,
        lastPing: s.lastPing,
        sessionId: s.sessionId,
        inCall: s.inCall,
        participantPermissions: a && isModerator(a.participantType) ? PERMISSIONS_MODERATOR : PERMISSIONS_USER,
        actorType: 'users',
        actorId: s.userId,
      };
    });
}

/** SignalingController::pullMessages: long poll ≤ 30 s, then always the participant list. */
export async function pullSignaling(ctx: Ctx, out: OcsOut): Promise<void> {
  const room = findRoom(ctx);
  const s = room ? currentSession(ctx, room) : null;
  if (!room || !s) return out.fail(404, '', [{ type: 'usersInRoom', data: [] }]);
  const data: Record<string, unknown>[] = [];
  ctx.store.longPolls++;
  try {
    for (let seconds = SIGNALING_PULL_TIMEOUT_S; seconds > 0; seconds--) {
      if (!ctx.store.talkSessions.has(s.sessionId)) break;
      s.lastPing = nowS();
      const taken = ctx.store.takeSignaling(s.sessionId);
      const refresh = taken.some((m) => m.data === 'refresh-participant-list');
      for (const m of taken) if (m.data !== 'refresh-participant-list') data.push({ type: 'message', data: m.data });
      if (refresh || data.length > 0) break;
      if (!(await pollInterval(ctx.signal))) return;
    }
  } finally {
    ctx.store.longPolls--;
  }
  if (!ctx.store.talkSessions.has(s.sessionId)) {
    data.push({ type: 'usersInRoom', data: [] });
    // The session was killed (409) or the whole conversation is gone (404).
    return ctx.store.rooms.has(room.token) ? out.fail(409, '', data) : out.fail(404, '', data);
  }
  data.push({ type: 'usersInRoom', data: usersInRoom(ctx, room) });
  out.ok(data);
}

/** SignalingController::signaling (POST): `messages` is a JSON string of `{ev, fn, sessionId}` envelopes. */
export function sendSignaling(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  const s = room ? currentSession(ctx, room) : null;
  if (!room || !s) return out.fail(404);
  let envelopes: unknown;
  try {
    envelopes = JSON.parse(ctx.param('messages') ?? '[]');
  } catch {
    return out.fail(400);
  }
  if (!Array.isArray(envelopes)) return out.fail(400);
  const moderator = isModerator(room.attendees.get(s.userId)?.participantType ?? 0);
  for (const e of envelopes as { ev?: string; fn?: string; sessionId?: string }[]) {
    if (e?.ev !== 'message' || typeof e.fn !== 'string') continue;
    // Envelopes claiming another session are ignored.
    if (e.sessionId !== s.sessionId) continue;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(e.fn) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!msg || typeof msg !== 'object' || typeof msg['to'] !== 'string') continue;
    if (msg['type'] === 'control' && !moderator) continue;
    msg['from'] = s.sessionId;
    // Profile `signaling-broken`: accepted and lost.
    if (ctx.config.profile.signaling.dropMessages) continue;
    ctx.store.queueSignaling(msg['to'] as string, JSON.stringify(msg));
  }
  out.ok([]);
}
