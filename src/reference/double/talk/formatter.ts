import type { Ctx } from '../context.ts';
import { md5 } from '../context.ts';
import { type ChatMessage, PARTICIPANT, ROOM_TYPE, type Room, type TalkSession, type User } from '../store.ts';

/**
 * How Talk renders its objects for a viewer, shared by the controllers: a conversation as
 * nextcloud/spreed lib/Service/RoomFormatter.php formats it, a chat message as
 * lib/Model/Message.php toArray does, the system messages' texts, attendee permissions and read
 * markers.
 */

/** Attendee permissions (docs/constants.md): what a moderator and a normal user end up with by default. */
export const PERMISSIONS_MODERATOR = 254;
export const PERMISSIONS_USER = 246;

export function isModerator(type: number): boolean {
  return type === PARTICIPANT.owner || type === PARTICIPANT.moderator || type === PARTICIPANT.guestModerator;
}

function callFlag(ctx: Ctx, room: Room): number {
  return ctx.store.sessionsOfRoom(room.token).reduce((f, s) => f | s.inCall, 0);
}

/** A chat message as Message::toArray renders it for `viewer` (system messages say "You" to their actor). */
export function messageJson(ctx: Ctx, m: ChatMessage, viewer: User | null, withParent: boolean): Record<string, unknown> {
  let text = m.message;
  const params: Record<string, unknown> = { ...m.messageParameters };
  if (m.messageType === 'system') {
    const self = viewer && m.actorId === viewer.id;
    text = self ? (SYSTEM_TEXT_SELF[m.systemMessage] ?? m.message) : (SYSTEM_TEXT[m.systemMessage] ?? m.message);
  }
  const out: Record<string, unknown> = {
    id: m.id,
    token: m.token,
    actorType: m.actorType,
    actorId: m.actorId,
    actorDisplayName: m.actorDisplayName,
    timestamp: m.timestamp,
    message: text,
    // PHP encodes an empty array as [] and a filled one as an object.
    messageParameters: Object.keys(params).length ? params : [],
    systemMessage: m.systemMessage,
    messageType: m.messageType,
    isReplyable: m.messageType === 'comment',
    referenceId: m.referenceId,
    reactions: {},
    expirationTimestamp: 0,
    markdown: m.messageType === 'comment',
  };
  if (m.silent) out['silent'] = true;
  if (withParent && m.parentId !== null) {
    const parent = ctx.store.messages.get(m.token)?.find((p) => p.id === m.parentId);
    out['parent'] = parent ? messageJson(ctx, parent, viewer, false) : { id: m.parentId, deleted: true };
  }
  return out;
}

export const SYSTEM_TEXT: Record<string, string> = {
  conversation_created: '{actor} created the conversation',
  user_added: '{actor} added {user}',
  call_started: '{actor} started a call',
  call_joined: '{actor} joined the call',
  call_left: '{actor} left the call',
  call_ended: 'Call with {actor} ended',
};
const SYSTEM_TEXT_SELF: Record<string, string> = {
  conversation_created: 'You created the conversation',
  user_added: 'You added {user}',
  call_started: 'You started a call',
  call_joined: 'You joined the call',
  call_left: 'You left the call',
  call_ended: 'Call with {actor} ended',
};

function unreadCount(ctx: Ctx, room: Room, user: User, lastRead: number): number {
  return (ctx.store.messages.get(room.token) ?? []).filter((m) => m.id > lastRead && m.messageType === 'comment' && m.actorId !== user.id).length;
}

/** The lowest read marker of the room's users: `X-Chat-Last-Common-Read` / `lastCommonReadMessage` (read privacy public). */
export function lastCommonRead(room: Room): number {
  let min = Number.POSITIVE_INFINITY;
  for (const a of room.attendees.values()) min = Math.min(min, a.lastReadMessage);
  return Number.isFinite(min) ? min : 0;
}

/** A conversation as the v4 API returns it to `user` (RoomFormatter, ResponseDefinitions TalkRoom). */
export function roomJson(ctx: Ctx, room: Room, user: User, session: TalkSession | null): Record<string, unknown> {
  const a = room.attendees.get(user.id);
  const type = a?.participantType ?? 0;
  let name = room.name;
  let displayName = room.name;
  if (room.type === ROOM_TYPE.oneToOne) {
    const other = [...room.attendees.values()].find((x) => x.actorId !== user.id);
    name = other?.actorId ?? '';
    displayName = other?.displayName ?? '';
  }
  const messages = ctx.store.messages.get(room.token) ?? [];
  const last = messages[messages.length - 1];
  const flag = callFlag(ctx, room);
  const out: Record<string, unknown> = {
    id: room.id,
    token: room.token,
    type: room.type,
    name,
    displayName,
    description: room.description,
    participantType: type,
    attendeeId: a?.attendeeId ?? 0,
    attendeePin: '',
    actorType: 'users',
    actorId: user.id,
    permissions: isModerator(type) ? PERMISSIONS_MODERATOR : PERMISSIONS_USER,
    attendeePermissions: 0,
    callPermissions: 0,
    defaultPermissions: 0,
    participantFlags: session?.inCall ?? 0,
    readOnly: 0,
    listable: 0,
    messageExpiration: 0,
    lobbyState: 0,
    lobbyTimer: 0,
    sipEnabled: 0,
    canEnableSIP: false,
    hasPassword: false,
    hasCall: flag !== 0,
    callFlag: flag,
    canStartCall: true,
    canDeleteConversation: isModerator(type) && room.type !== ROOM_TYPE.oneToOne,
    canLeaveConversation: true,
    lastActivity: room.lastActivity,
    isFavorite: false,
    notificationLevel: a?.notificationLevel ?? 0,
    notificationCalls: 1,
    lastPing: session?.lastPing ?? 0,
    sessionId: session?.sessionId ?? '0',
    lastReadMessage: a?.lastReadMessage ?? 0,
    lastCommonReadMessage: lastCommonRead(room),
    unreadMessages: a ? unreadCount(ctx, room, user, a.lastReadMessage) : 0,
    unreadMention: false,
    unreadMentionDirect: false,
    objectType: '',
    objectId: '',
    breakoutRoomMode: 0,
    breakoutRoomStatus: 0,
    avatarVersion: md5(`${room.token}${room.name}`).slice(0, 8),
    isCustomAvatar: false,
    callStartTime: room.callStartTime,
    callRecording: 0,
    recordingConsent: 0,
    mentionPermissions: 0,
    isArchived: false,
    isImportant: false,
    isSensitive: false,
    liveTranscriptionLanguageId: '',
  };
  if (last) out['lastMessage'] = messageJson(ctx, last, user, false);
  return out;
}
