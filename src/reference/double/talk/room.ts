import type { Ctx } from '../context.ts';
import { md5 } from '../context.ts';
import type { OcsOut } from '../ocs.ts';
import { PARTICIPANT, ROOM_TYPE, type Room, type TalkSession, nowS } from '../store.ts';
import { leaveCallOf } from './call.ts';
import { TALK_FEATURES } from './capabilities.ts';
import { PERMISSIONS_MODERATOR, PERMISSIONS_USER, isModerator, roomJson } from './formatter.ts';
import { currentSession, findRoom, participantRoom, rejectsFourByte, serverError, systemMessage } from './shared.ts';

/**
 * RoomController (nextcloud/spreed lib/Controller/RoomController.php, routes in
 * appinfo/routes/routesRoomController.php): conversations (list, create, get, delete), their
 * participants (list, add, leave) and the caller's session in a conversation (joinRoom, leaveRoom).
 */

export function listRooms(ctx: Ctx, out: OcsOut): void {
  const user = ctx.user!;
  const rooms = [...ctx.store.rooms.values()].filter((r) => r.attendees.has(user.id));
  const data = rooms.map((r) => roomJson(ctx, r, user, currentSession(ctx, r)));
  out.ok(data, 200, { 'X-Nextcloud-Talk-Hash': md5(JSON.stringify(TALK_FEATURES)).slice(0, 40), 'X-Nextcloud-Talk-Modified-Before': String(nowS()) });
}

export function createRoom(ctx: Ctx, out: OcsOut): void {
  const user = ctx.user!;
  const type = ctx.intParam('roomType', 0);
  if (type === ROOM_TYPE.oneToOne) {
    const invite = ctx.store.users.get(ctx.param('invite') ?? '');
    if (!invite || invite.id === user.id) return out.fail(404, '', { error: 'invite' });
    const existing = [...ctx.store.rooms.values()].find((r) => r.type === ROOM_TYPE.oneToOne && r.attendees.has(user.id) && r.attendees.has(invite.id));
    if (existing) return out.ok(roomJson(ctx, existing, user, null), 200);
    const room = ctx.store.createRoom(ROOM_TYPE.oneToOne, JSON.stringify([user.id, invite.id].sort()), user);
    ctx.store.addAttendee(room, invite, PARTICIPANT.owner);
    systemMessage(ctx, room, user, 'conversation_created');
    return out.ok(roomJson(ctx, room, user, null), 201);
  }
  if (type !== ROOM_TYPE.group && type !== ROOM_TYPE.public) return out.fail(400, '', { error: 'type' });
  const name = (ctx.param('roomName') ?? '').trim();
  if (name === '' || name.length > 255) return out.fail(400, '', { error: 'name' });
  // RoomService::createConversation does not catch the database exception.
  if (rejectsFourByte(ctx, name)) return serverError(out);
  const room = ctx.store.createRoom(type, name, user);
  systemMessage(ctx, room, user, 'conversation_created');
  out.ok(roomJson(ctx, room, user, null), 201);
}

export function getRoom(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  const user = ctx.user;
  // Guests are not modelled: anonymous callers get what a guest gets for a room they cannot see.
  if (!room || !user || (!room.attendees.has(user.id) && room.type !== ROOM_TYPE.public)) return out.fail(404);
  out.ok(roomJson(ctx, room, user, currentSession(ctx, room)));
}

export function deleteRoom(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  if (p.room.type === ROOM_TYPE.oneToOne) return out.fail(400);
  if (!isModerator(p.room.attendees.get(p.user.id)!.participantType)) return out.fail(403);
  ctx.store.deleteRoom(p.room.token);
  out.ok([]);
}

export function listParticipants(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const sessions = ctx.store.sessionsOfRoom(p.room.token);
  out.ok(
    [...p.room.attendees.values()].map((a) => {
      const own = sessions.filter((s) => s.userId === a.actorId);
      return {
        roomToken: p.room.token,
        inCall: own.reduce((f, s) => f | s.inCall, 0),
        lastPing: own.reduce((t, s) => Math.max(t, s.lastPing), 0),
        sessionIds: own.map((s) => s.sessionId),
        participantType: a.participantType,
        attendeeId: a.attendeeId,
        actorId: a.actorId,
        actorType: a.actorType,
        displayName: a.displayName,
        permissions: isModerator(a.participantType) ? PERMISSIONS_MODERATOR : PERMISSIONS_USER,
        attendeePermissions: 0,
        attendeePin: '',
      };
    }),
  );
}

export function addParticipant(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  if (p.room.type === ROOM_TYPE.oneToOne) return out.fail(400);
  if (!isModerator(p.room.attendees.get(p.user.id)!.participantType)) return out.fail(403);
  const source = ctx.param('source') ?? 'users';
  if (source !== 'users') return out.fail(400);
  const newUser = ctx.store.users.get(ctx.param('newParticipant') ?? '');
  if (!newUser) return out.fail(404);
  if (!p.room.attendees.has(newUser.id)) {
    ctx.store.addAttendee(p.room, newUser, PARTICIPANT.user);
    systemMessage(ctx, p.room, p.user, 'user_added', { user: { type: 'user', id: newUser.id, name: newUser.displayName } });
    ctx.store.refreshParticipants(p.room.token);
  }
  out.ok([]);
}

export function removeSelf(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const me = p.room.attendees.get(p.user.id)!;
  const moderators = [...p.room.attendees.values()].filter((a) => isModerator(a.participantType));
  if (p.room.type !== ROOM_TYPE.oneToOne && isModerator(me.participantType) && moderators.length === 1 && p.room.attendees.size > 1) {
    return out.fail(400); // the last moderator cannot leave (canLeaveConversation)
  }
  for (const s of ctx.store.sessionsOfRoom(p.room.token)) if (s.userId === p.user.id) leaveSession(ctx, p.room, s);
  p.room.attendees.delete(p.user.id);
  if (p.room.attendees.size === 0) ctx.store.deleteRoom(p.room.token);
  else ctx.store.refreshParticipants(p.room.token);
  out.ok([]);
}

/** RoomController::joinRoom: a new Talk session, stored in the PHP session under the token. */
export function joinSession(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  const user = ctx.user;
  if (!room || !user) return out.fail(404);
  if (!room.attendees.has(user.id)) {
    if (room.type !== ROOM_TYPE.public) return out.fail(404);
    ctx.store.addAttendee(room, user, PARTICIPANT.userSelfJoined);
  }
  const force = !['0', 'false'].includes(ctx.param('force') ?? 'true');
  if (!force) {
    const inCall = ctx.store.sessionsOfRoom(room.token).find((s) => s.userId === user.id && s.inCall !== 0 && s.phpSessionId !== ctx.session!.id);
    if (inCall) return out.fail(409, '', { sessionId: inCall.sessionId, inCall: inCall.inCall, lastPing: inCall.lastPing });
  }
  const previous = currentSession(ctx, room);
  if (previous) leaveSession(ctx, room, previous);
  const session = ctx.store.newTalkSession(room, user.id, ctx.session!);
  ctx.store.refreshParticipants(room.token);
  out.ok(roomJson(ctx, room, user, session));
}

function leaveSession(ctx: Ctx, room: Room, s: TalkSession): void {
  const user = ctx.store.users.get(s.userId);
  if (s.inCall !== 0 && user) leaveCallOf(ctx, room, s, user);
  ctx.store.endTalkSession(s.sessionId);
  // Self-joined users are removed with their last session (ParticipantService::leaveRoomAsSession).
  const a = room.attendees.get(s.userId);
  if (a?.participantType === PARTICIPANT.userSelfJoined && !ctx.store.sessionsOfRoom(room.token).some((x) => x.userId === s.userId)) {
    room.attendees.delete(s.userId);
  }
  ctx.store.refreshParticipants(room.token);
}

export function leaveSessionRoute(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  if (room) {
    const s = currentSession(ctx, room);
    if (s) leaveSession(ctx, room, s);
  }
  out.ok([]);
}
