import type { Ctx } from '../context.ts';
import type { OcsOut } from '../ocs.ts';
import { type Room, type TalkSession, type User, nowS } from '../store.ts';
import { isModerator } from './formatter.ts';
import { notifyInCallChanged } from '../hpb.ts';
import { currentSession, findRoom, participantRoom, systemMessage } from './shared.ts';

/**
 * CallController (nextcloud/spreed lib/Controller/CallController.php, routes in
 * appinfo/routes/routesCallController.php): join, update the flags of, and leave a call, and list
 * its peers. Leaving a call is also what RoomController does for a session that leaves the room.
 */

/** In-call flags (docs/constants.md). */
const FLAG_IN_CALL = 1;
const FLAG_DEFAULT_JOIN = 7;

export async function joinCall(ctx: Ctx, out: OcsOut): Promise<void> {
  const room = findRoom(ctx);
  const s = room ? currentSession(ctx, room) : null;
  if (!room || !s || !ctx.user) return out.fail(404);
  const flags = (ctx.intParam('flags', FLAG_DEFAULT_JOIN) | FLAG_IN_CALL) & 15;
  const callRunning = ctx.store.sessionsOfRoom(room.token).some((x) => x.inCall !== 0 && x !== s);
  if (s.inCall === 0) {
    if (!callRunning) room.callStartTime = nowS();
    systemMessage(ctx, room, ctx.user, callRunning ? 'call_joined' : 'call_started');
  }
  s.inCall = flags;
  s.lastPing = nowS();
  ctx.store.refreshParticipants(room.token);
  await notifyInCallChanged(ctx, room.token, flags, [s.sessionId]);
  out.ok([]);
}

export function updateCall(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  const s = room ? currentSession(ctx, room) : null;
  if (!room || !s) return out.fail(404);
  if (s.inCall === 0) return out.fail(400);
  s.inCall = (ctx.intParam('flags', s.inCall) | FLAG_IN_CALL) & 15;
  ctx.store.refreshParticipants(room.token);
  out.ok([]);
}

export function leaveCallOf(ctx: Ctx, room: Room, s: TalkSession, user: User): void {
  s.inCall = 0;
  const stillInCall = ctx.store.sessionsOfRoom(room.token).some((x) => x.inCall !== 0);
  systemMessage(ctx, room, user, stillInCall ? 'call_left' : 'call_ended');
  if (!stillInCall) room.callStartTime = 0;
}

export async function leaveCall(ctx: Ctx, out: OcsOut): Promise<void> {
  const room = findRoom(ctx);
  const s = room ? currentSession(ctx, room) : null;
  if (!room || !s || !ctx.user) return out.fail(404);
  const all = ['1', 'true'].includes(ctx.param('all') ?? '');
  const changed: string[] = [];
  if (all) {
    const a = room.attendees.get(ctx.user.id);
    if (!a || !isModerator(a.participantType)) return out.fail(403);
    for (const x of ctx.store.sessionsOfRoom(room.token)) if (x.inCall !== 0) changed.push(x.sessionId);
    for (const x of ctx.store.sessionsOfRoom(room.token)) x.inCall = 0;
    systemMessage(ctx, room, ctx.user, 'call_ended');
    room.callStartTime = 0;
  } else if (s.inCall !== 0) {
    changed.push(s.sessionId);
    leaveCallOf(ctx, room, s, ctx.user);
  }
  ctx.store.refreshParticipants(room.token);
  if (changed.length > 0) await notifyInCallChanged(ctx, room.token, 0, changed);
  out.ok([]);
}

export function callPeers(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  out.ok(
    ctx.store
      .sessionsOfRoom(p.room.token)
      .filter((s) => s.inCall !== 0)
      .map((s) => ({
        actorType: 'users',
        actorId: s.userId,
        displayName: ctx.store.users.get(s.userId)?.displayName ?? s.userId,
        token: s.token,
        lastPing: s.lastPing,
        sessionId: s.sessionId,
      })),
  );
}
