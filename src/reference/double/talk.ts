import { externalSignalingSettings, hpbBackendRoutes } from './hpb.ts';
import { createHmac, randomBytes } from 'node:crypto';
import { TURN_DNS_NAME } from '../tls.ts';
import { PREDEFINED_BACKGROUNDS } from './call-page.ts';
import type { Ctx } from './context.ts';
import { md5 } from './context.ts';
import type { OcsOut, OcsRoute } from './ocs.ts';
import { type ChatMessage, PARTICIPANT, ROOM_TYPE, type Room, type TalkSession, type User, nowS, randomString } from './store.ts';

/**
 * Talk (spreed) 22 as the web client and the checks see it: conversations, participants and
 * sessions (API v4), calls (v4), chat with long polling (v1), internal signaling and its
 * settings with TURN credentials (v3), the blur preference (v1 settings). Behaviour follows the
 * controllers named in docs/reference/talk-reference.md sections 1–5; where Talk has many more options, the
 * double implements the ones the suite uses and answers the rest like Talk does for a room
 * without them (no lobby, no password, no guests, no federation).
 */

/** ChatController: a waiting poll holds at most 30 s, whatever the client asks (min(30, timeout)). */
export const CHAT_MAX_TIMEOUT_S = 30;
/** ChatController: `limit` default and cap. */
const CHAT_DEFAULT_LIMIT = 100;
const CHAT_MAX_LIMIT = 200;
/** ChatManager::MAX_CHAT_LENGTH (capability config.chat.max-length). */
export const CHAT_MAX_LENGTH = 32000;
/** SignalingController::PULL_MESSAGES_TIMEOUT. */
export const SIGNALING_PULL_TIMEOUT_S = 30;
/** Sessions that pinged within this window are listed in usersInRoom (docs/reference/talk-reference.md section 4). */
const SESSION_ACTIVE_S = 40;
/** Both long polls are a server loop "check, sleep 1 s" (ChatManager::waitForNewMessages, SignalingController::pullMessages). */
const POLL_INTERVAL_MS = 1000;
/** Talk's TURN credentials are valid for a day (lib/Config.php getTurnSettings: time() + 86400). */
const TURN_CREDENTIAL_LIFETIME_S = 86400;
const TURN_USERNAME_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Attendee permissions (docs/constants.md): what a moderator and a normal user end up with by default. */
const PERMISSIONS_MODERATOR = 254;
const PERMISSIONS_USER = 246;
/** In-call flags (docs/constants.md). */
const FLAG_IN_CALL = 1;
const FLAG_DEFAULT_JOIN = 7;

/** Talk's TURN credentials (lib/Config.php getTurnSettings): `<expiry>:<16 random>` signed with HMAC-SHA1 of the server secret, base64. */
export function talkTurnCredentials(secret: string, now = nowS(), random16 = randomString(16, TURN_USERNAME_ALPHABET)): { username: string; credential: string } {
  const username = `${now + TURN_CREDENTIAL_LIFETIME_S}:${random16}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/**
 * Every scheme × protocol of every configured server: `turn:host:443?transport=udp` … (lib/Config.php
 * getTurnSettings). `host` is the TURN address; servers with `host: 'name'` use `name` instead.
 */
export function turnUrls(host: string, servers: { schemes: string[]; port: number; protocols: string[]; host?: 'address' | 'name' }[], name?: string): string[][] {
  return servers.map((s) => {
    const h = s.host === 'name' ? (name ?? host) : host;
    return s.schemes.flatMap((scheme) => s.protocols.map((p) => `${scheme}:${h}:${s.port}?transport=${p}`));
  });
}

/**
 * The turn-unreachable fault: an address in the instance's /24 that no interface holds
 * (10.213.N.4), so packets to it go nowhere and nothing answers, like a moved TURN server.
 */
export function unreachableTurnHost(turnHost: string): string {
  return turnHost.replace(/\.\d+$/, '.4');
}

/** `[major, minor]` of a Talk version string. */
function talkMajorMinor(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [22, 0];
}

/**
 * The `spreed` capability (lib/Capabilities.php, ResponseDefinitions TalkCapabilities), for a user
 * or anonymous, as the given Talk release publishes it: `threads` and `live-transcription` from
 * 22, `end-to-end-encryption` from 21, `predefined-backgrounds-v2` from 21.1 (docs/capabilities.md;
 * docs/reference/talk-reference.md section 5). Predefined backgrounds as lib/Capabilities.php lists them; the
 * v2 entries are image paths under the app (imagePath('spreed', 'backgrounds/…')).
 */
export function talkCapabilities(version: string, user: User | null): Record<string, unknown> {
  const [major, minor] = talkMajorMinor(version);
  const call: Record<string, unknown> = {
    enabled: true,
    'breakout-rooms': true,
    recording: false,
    'recording-consent': 0,
    'supported-reactions': ['❤️', '🎉', '👏', '👋', '👍', '👎', '🔥', '😂', '🤩', '🤔', '😲', '😥'],
    'predefined-backgrounds': PREDEFINED_BACKGROUNDS,
    ...(major > 21 || (major === 21 && minor >= 1) ? { 'predefined-backgrounds-v2': PREDEFINED_BACKGROUNDS.map((f) => `/apps/spreed/img/backgrounds/${f}`) } : {}),
    'can-upload-background': Boolean(user),
    'sip-enabled': false,
    'sip-dialout-enabled': false,
    'can-enable-sip': false,
    'start-without-media': false,
    'max-duration': 0,
    // The user's preference; always false for guests (Config::getBlurVirtualBackground).
    'blur-virtual-background': user?.blurVirtualBackground ?? false,
    ...(major >= 21 ? { 'end-to-end-encryption': false } : {}),
    ...(major >= 22 ? { 'live-transcription': false } : {}),
  };
  return {
    features: major >= 22 ? TALK_FEATURES : TALK_FEATURES.filter((f) => f !== 'threads'),
    'features-local': TALK_LOCAL_FEATURES,
    config: {
      attachments: user ? { allowed: true, folder: '/Talk' } : { allowed: false },
      call,
      chat: {
        'max-length': CHAT_MAX_LENGTH,
        'read-privacy': 0,
        'has-translation-providers': false,
        'typing-privacy': 0,
        'summary-threshold': 100,
      },
      conversations: { 'can-create': Boolean(user), 'force-passwords': false },
      federation: { enabled: false, 'incoming-enabled': false, 'outgoing-enabled': false, 'only-trusted-servers': true },
      previews: { 'max-gif-size': 3145728 },
      signaling: { 'session-ping-limit': 200 },
      experiments: { enabled: 0 },
    },
    'config-local': {
      attachments: ['allowed', 'folder'],
      call: ['predefined-backgrounds', 'can-upload-background', 'start-without-media', 'blur-virtual-background'],
      chat: ['read-privacy', 'has-translation-providers', 'typing-privacy', 'summary-threshold'],
      conversations: ['can-create'],
      federation: ['enabled', 'incoming-enabled', 'outgoing-enabled', 'only-trusted-servers'],
      previews: ['max-gif-size'],
      signaling: ['session-ping-limit', 'hello-v2-token-key'],
    },
    version,
  };
}

/** lib/Capabilities.php FEATURES (Talk 20), plus `threads` (Talk 22) and `reactions` (comments support reactions). */
const TALK_FEATURES = [
  'audio', 'video', 'chat-v2', 'conversation-v4', 'guest-signaling', 'empty-group-room', 'guest-display-names', 'multi-room-users',
  'favorites', 'last-room-activity', 'no-ping', 'system-messages', 'delete-messages', 'mention-flag', 'in-call-flags',
  'conversation-call-flags', 'notification-levels', 'invite-groups-and-mails', 'locked-one-to-one-rooms', 'read-only-rooms',
  'listable-rooms', 'chat-read-marker', 'chat-unread', 'webinary-lobby', 'start-call-flag', 'chat-replies', 'circles-support',
  'force-mute', 'sip-support', 'sip-support-nopin', 'chat-read-status', 'phonebook-search', 'raise-hand', 'room-description',
  'rich-object-sharing', 'temp-user-avatar-api', 'geo-location-sharing', 'voice-message-sharing', 'signaling-v3',
  'publishing-permissions', 'clear-history', 'direct-mention-flag', 'notification-calls', 'conversation-permissions',
  'rich-object-list-media', 'rich-object-delete', 'unified-search', 'chat-permission', 'silent-send', 'silent-call',
  'send-call-notification', 'talk-polls', 'breakout-rooms-v1', 'recording-v1', 'avatar', 'chat-get-context',
  'single-conversation-status', 'chat-keep-notifications', 'typing-privacy', 'remind-me-later', 'bots-v1', 'markdown-messages',
  'media-caption', 'session-state', 'note-to-self', 'recording-consent', 'sip-support-dialout', 'delete-messages-unlimited',
  'edit-messages', 'silent-send-state', 'chat-read-last', 'federation-v1', 'federation-v2', 'ban-v1', 'chat-reference-id',
  'mention-permissions', 'edit-messages-note-to-self', 'archived-conversations-v2', 'talk-polls-drafts',
  'download-call-participants', 'threads', 'reactions',
];
const TALK_LOCAL_FEATURES = [
  'favorites', 'chat-read-status', 'listable-rooms', 'phonebook-search', 'temp-user-avatar-api', 'unified-search', 'avatar',
  'remind-me-later', 'note-to-self', 'archived-conversations-v2',
];

// ---------------------------------------------------------------------------------------------
// Representations

function isModerator(type: number): boolean {
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

const SYSTEM_TEXT: Record<string, string> = {
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
function lastCommonRead(room: Room): number {
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

// ---------------------------------------------------------------------------------------------
// Long polling

/**
 * Waits one poll interval, or less when `signal` aborts (client gone, double stopping).
 * Resolves true when the full interval passed. The timer is always cleared.
 */
export function pollInterval(signal: AbortSignal, ms = POLL_INTERVAL_MS): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Handlers

function findRoom(ctx: Ctx): Room | undefined {
  return ctx.store.rooms.get(ctx.params['token']!);
}

/** The room for a logged-in attendee (RequireParticipant); public rooms also for users who joined a session. */
function participantRoom(ctx: Ctx): { room: Room; user: User } | null {
  const room = findRoom(ctx);
  const user = ctx.user;
  if (!room || !user) return null;
  if (!room.attendees.has(user.id)) return null;
  return { room, user };
}

/** The caller's Talk session in this room, from the PHP session (TalkSession::getSessionForRoom). */
function currentSession(ctx: Ctx, room: Room): TalkSession | null {
  const id = ctx.session?.talk.get(room.token);
  const s = id ? ctx.store.talkSessions.get(id) : undefined;
  return s && s.token === room.token ? s : null;
}

function systemMessage(ctx: Ctx, room: Room, actor: User, type: string, params: Record<string, Record<string, string>> = {}): void {
  ctx.store.addMessage(room, {
    actorType: 'users',
    actorId: actor.id,
    actorDisplayName: actor.displayName,
    message: SYSTEM_TEXT[type] ?? type,
    messageParameters: { actor: { type: 'user', id: actor.id, name: actor.displayName }, ...params },
    systemMessage: type,
    messageType: 'system',
    referenceId: '',
    silent: false,
    parentId: null,
  });
}

function listRooms(ctx: Ctx, out: OcsOut): void {
  const user = ctx.user!;
  const rooms = [...ctx.store.rooms.values()].filter((r) => r.attendees.has(user.id));
  const data = rooms.map((r) => roomJson(ctx, r, user, currentSession(ctx, r)));
  out.ok(data, 200, { 'X-Nextcloud-Talk-Hash': md5(JSON.stringify(TALK_FEATURES)).slice(0, 40), 'X-Nextcloud-Talk-Modified-Before': String(nowS()) });
}

function createRoom(ctx: Ctx, out: OcsOut): void {
  const user = ctx.user!;
  const type = ctx.intParam('roomType', 0);
  if (type === ROOM_TYPE.oneToOne) {
    const invite = ctx.store.users.get(ctx.param('invite') ?? '');
    if (!invite || invite.id === user.id) return out.fail(404, '', { error: 'invite' });
    const existing = [...ctx.store.rooms.values()].find(
      (r) => r.type === ROOM_TYPE.oneToOne && r.attendees.has(user.id) && r.attendees.has(invite.id),
    );
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

function getRoom(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  const user = ctx.user;
  // Guests are not modelled: anonymous callers get what a guest gets for a room they cannot see.
  if (!room || !user || (!room.attendees.has(user.id) && room.type !== ROOM_TYPE.public)) return out.fail(404);
  out.ok(roomJson(ctx, room, user, currentSession(ctx, room)));
}

function deleteRoom(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  if (p.room.type === ROOM_TYPE.oneToOne) return out.fail(400);
  if (!isModerator(p.room.attendees.get(p.user.id)!.participantType)) return out.fail(403);
  ctx.store.deleteRoom(p.room.token);
  out.ok([]);
}

function listParticipants(ctx: Ctx, out: OcsOut): void {
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

function addParticipant(ctx: Ctx, out: OcsOut): void {
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

function removeSelf(ctx: Ctx, out: OcsOut): void {
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
function joinSession(ctx: Ctx, out: OcsOut): void {
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

function leaveSessionRoute(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  if (room) {
    const s = currentSession(ctx, room);
    if (s) leaveSession(ctx, room, s);
  }
  out.ok([]);
}

function joinCall(ctx: Ctx, out: OcsOut): void {
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
  out.ok([]);
}

function updateCall(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  const s = room ? currentSession(ctx, room) : null;
  if (!room || !s) return out.fail(404);
  if (s.inCall === 0) return out.fail(400);
  s.inCall = (ctx.intParam('flags', s.inCall) | FLAG_IN_CALL) & 15;
  ctx.store.refreshParticipants(room.token);
  out.ok([]);
}

function leaveCallOf(ctx: Ctx, room: Room, s: TalkSession, user: User): void {
  s.inCall = 0;
  const stillInCall = ctx.store.sessionsOfRoom(room.token).some((x) => x.inCall !== 0);
  systemMessage(ctx, room, user, stillInCall ? 'call_left' : 'call_ended');
  if (!stillInCall) room.callStartTime = 0;
}

function leaveCall(ctx: Ctx, out: OcsOut): void {
  const room = findRoom(ctx);
  const s = room ? currentSession(ctx, room) : null;
  if (!room || !s || !ctx.user) return out.fail(404);
  const all = ['1', 'true'].includes(ctx.param('all') ?? '');
  if (all) {
    const a = room.attendees.get(ctx.user.id);
    if (!a || !isModerator(a.participantType)) return out.fail(403);
    for (const x of ctx.store.sessionsOfRoom(room.token)) x.inCall = 0;
    systemMessage(ctx, room, ctx.user, 'call_ended');
    room.callStartTime = 0;
  } else if (s.inCall !== 0) {
    leaveCallOf(ctx, room, s, ctx.user);
  }
  ctx.store.refreshParticipants(room.token);
  out.ok([]);
}

function callPeers(ctx: Ctx, out: OcsOut): void {
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

/** ChatController::receiveMessages (see docs/reference/talk-reference.md section 1). */
async function receiveMessages(ctx: Ctx, out: OcsOut): Promise<void> {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const { room, user } = p;
  const lookIntoFuture = ctx.intParam('lookIntoFuture', -1);
  if (lookIntoFuture !== 0 && lookIntoFuture !== 1) return out.fail(400);
  const limit = Math.min(CHAT_MAX_LIMIT, Math.max(1, ctx.intParam('limit', CHAT_DEFAULT_LIMIT)));
  const lastKnown = ctx.intParam('lastKnownMessageId', 0);
  const includeLastKnown = ctx.intParam('includeLastKnown', 0) === 1;
  const timeoutS = Math.min(CHAT_MAX_TIMEOUT_S, Math.max(0, ctx.intParam('timeout', CHAT_MAX_TIMEOUT_S)));
  const attendee = room.attendees.get(user.id)!;

  const lastGiven = (list: ChatMessage[]) => ({ 'X-Chat-Last-Given': String(list[list.length - 1]!.id), 'X-Chat-Last-Common-Read': String(lastCommonRead(room)) });
  const render = (list: ChatMessage[]) => list.map((m) => messageJson(ctx, m, user, true));

  if (lookIntoFuture === 0) {
    // History: ids below the offset (0 = from the newest), newest first.
    const all = ctx.store.messages.get(room.token) ?? [];
    const offset = lastKnown === 0 ? Number.POSITIVE_INFINITY : lastKnown;
    const list = all.filter((m) => m.id < offset || (includeLastKnown && m.id === lastKnown)).reverse().slice(0, limit);
    if (list.length === 0) return out.empty(304);
    return out.ok(render(list), 200, lastGiven(list));
  }

  // Future: the read marker moves to the offset before waiting (setReadMarker=1, the default).
  if (ctx.intParam('setReadMarker', 1) === 1 && lastKnown > attendee.lastReadMessage) attendee.lastReadMessage = lastKnown;
  const newer = (): ChatMessage[] => {
    const all = ctx.store.messages.get(room.token);
    if (!all) return [];
    return all.filter((m) => m.id > lastKnown || (includeLastKnown && m.id === lastKnown)).slice(0, limit);
  };
  let list = newer();
  ctx.store.longPolls++;
  try {
    // ChatManager::waitForNewMessages: check, then sleep 1 s and check again, `timeout` times.
    for (let waited = 0; list.length === 0 && waited < timeoutS; waited++) {
      if (!(await pollInterval(ctx.signal))) return;
      if (!ctx.store.rooms.has(room.token)) return out.fail(404);
      list = newer();
    }
  } finally {
    ctx.store.longPolls--;
  }
  if (list.length === 0) return out.empty(304);
  const { deliveryDelayMs, dropEveryNthComment } = ctx.config.profile.chat;
  // Profile `slow-delivery`: the answer is late (a slow database or cache), the worker stays busy.
  if (deliveryDelayMs > 0 && !(await pollInterval(ctx.signal, deliveryDelayMs))) return;
  // Profile `lossy`: every n-th comment of the conversation is skipped, but X-Chat-Last-Given
  // still moves past it, so the client never asks for it again.
  const delivered = dropEveryNthComment ? list.filter((m) => m.messageType !== 'comment' || commentIndex(ctx, room, m) % dropEveryNthComment !== 0) : list;
  out.ok(render(delivered), 200, lastGiven(list));
}

/** 1-based position of a comment among the conversation's comments (for the `lossy` profile). */
function commentIndex(ctx: Ctx, room: Room, m: ChatMessage): number {
  return (ctx.store.messages.get(room.token) ?? []).filter((x) => x.messageType === 'comment' && x.id <= m.id).length;
}

/** ChatController::sendMessage. */
function sendMessage(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const { room, user } = p;
  const text = ctx.param('message') ?? '';
  if (text.trim() === '') return out.fail(400, '', { error: 'message' });
  if ([...text].length > CHAT_MAX_LENGTH) return out.fail(413, '', { error: 'message' });
  // ChatController::sendMessage turns any other exception of ChatManager::sendMessage (here the
  // database's "Incorrect string value") into 400 {"error":"message"}.
  if (rejectsFourByte(ctx, text)) return out.fail(400, '', { error: 'message' });
  let parentId: number | null = null;
  const replyTo = ctx.intParam('replyTo', 0);
  if (replyTo > 0) {
    const parent = ctx.store.messages.get(room.token)?.find((m) => m.id === replyTo);
    if (!parent || parent.messageType !== 'comment') return out.fail(400, '', { error: 'reply-to' });
    parentId = parent.id;
  }
  const silent = ['1', 'true'].includes(ctx.param('silent') ?? '');
  const m = ctx.store.addMessage(room, {
    actorType: 'users',
    actorId: user.id,
    actorDisplayName: user.displayName,
    message: text,
    messageParameters: {},
    systemMessage: '',
    messageType: 'comment',
    referenceId: (ctx.param('referenceId') ?? '').slice(0, 64),
    silent,
    parentId,
  });
  // The sender has read their own message (ChatController updates the read marker).
  room.attendees.get(user.id)!.lastReadMessage = m.id;
  out.ok(messageJson(ctx, m, user, true), 201, { 'X-Chat-Last-Common-Read': String(lastCommonRead(room)) });
}

function setReadMarker(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const a = p.room.attendees.get(p.user.id)!;
  a.lastReadMessage = ctx.intParam('lastReadMessage', p.room.lastMessageId);
  out.ok(roomJson(ctx, p.room, p.user, currentSession(ctx, p.room)), 200, { 'X-Chat-Last-Common-Read': String(lastCommonRead(p.room)) });
}

function markUnread(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const ids = (ctx.store.messages.get(p.room.token) ?? []).filter((m) => m.messageType === 'comment').map((m) => m.id);
  p.room.attendees.get(p.user.id)!.lastReadMessage = ids.length > 1 ? ids[ids.length - 2]! : 0;
  out.ok(roomJson(ctx, p.room, p.user, currentSession(ctx, p.room)));
}

/** SignalingController::getSettings. */
function signalingSettings(ctx: Ctx, out: OcsOut): void {
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
    turnservers: turnUrls(profile.turn.unreachable ? unreachableTurnHost(turnHost) : turnHost, profile.turn.servers, TURN_DNS_NAME).map((urls) => ({ urls, username: creds.username, credential: creds.credential })),
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
async function pullSignaling(ctx: Ctx, out: OcsOut): Promise<void> {
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
function sendSignaling(ctx: Ctx, out: OcsOut): void {
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

/** SettingsController::setUserSetting: only the blur preference is modelled. */
function setUserSetting(ctx: Ctx, out: OcsOut): void {
  const key = ctx.param('key');
  const value = ctx.param('value');
  if (key !== 'blur_virtual_background' || (value !== 'yes' && value !== 'no')) return out.fail(400);
  ctx.user!.blurVirtualBackground = value === 'yes';
  out.ok([]);
}

/**
 * Is Talk loaded for this caller? With `occ app:enable spreed --groups …` the app is loaded only
 * for members of those groups (the double's only group is `admin`); anonymous callers are in none.
 */
export function talkEnabledFor(talk: { groups?: string[] } | null, user: User | null): boolean {
  if (!talk) return false;
  if (!talk.groups) return true;
  return Boolean(user?.isAdmin && talk.groups.includes('admin'));
}

/** Characters outside the Basic Multilingual Plane: 4 bytes in UTF-8, which a utf8mb3 MySQL column cannot store. */
const FOUR_BYTE_UTF8 = /[\u{10000}-\u{10FFFF}]/u;

/**
 * A 4-byte character on a database without utf8mb4 support (profile `database.utf8mb4` false):
 * MySQL/MariaDB in strict mode reject the insert ("Incorrect string value", SQLSTATE HY000 1366).
 */
export function rejectsFourByte(ctx: Ctx, text: string): boolean {
  return !ctx.config.profile.database.utf8mb4 && FOUR_BYTE_UTF8.test(text);
}

/** ocs/v1.php's catch-all for an uncaught exception: HTTP 500, OCS 996 (OCSController::RESPOND_SERVER_ERROR). */
function serverError(out: OcsOut): void {
  out.fail(500, 'Internal Server Error\n', [], 996);
}

const SPREED = '/apps/spreed/api';

/** Talk's OCS routes (appinfo/routes/*.php); registered only when Talk is installed. */
export function talkRoutes(): OcsRoute[] {
  return [
    { method: 'GET', path: `${SPREED}/v4/room`, handler: listRooms },
    { method: 'POST', path: `${SPREED}/v4/room`, handler: createRoom },
    { method: 'GET', path: `${SPREED}/v4/room/{token}`, public: true, handler: getRoom },
    { method: 'DELETE', path: `${SPREED}/v4/room/{token}`, public: true, handler: deleteRoom },
    { method: 'GET', path: `${SPREED}/v4/room/{token}/participants`, public: true, handler: listParticipants },
    { method: 'POST', path: `${SPREED}/v4/room/{token}/participants`, handler: addParticipant },
    { method: 'DELETE', path: `${SPREED}/v4/room/{token}/participants/self`, handler: removeSelf },
    { method: 'POST', path: `${SPREED}/v4/room/{token}/participants/active`, public: true, handler: joinSession },
    { method: 'DELETE', path: `${SPREED}/v4/room/{token}/participants/active`, public: true, handler: leaveSessionRoute },
    { method: 'GET', path: `${SPREED}/v4/call/{token}`, public: true, handler: callPeers },
    { method: 'POST', path: `${SPREED}/v4/call/{token}`, public: true, handler: joinCall },
    { method: 'PUT', path: `${SPREED}/v4/call/{token}`, public: true, handler: updateCall },
    { method: 'DELETE', path: `${SPREED}/v4/call/{token}`, public: true, handler: leaveCall },
    { method: 'GET', path: `${SPREED}/v1/chat/{token}`, public: true, handler: receiveMessages },
    { method: 'POST', path: `${SPREED}/v1/chat/{token}`, public: true, handler: sendMessage },
    { method: 'POST', path: `${SPREED}/v1/chat/{token}/read`, public: true, handler: setReadMarker },
    { method: 'DELETE', path: `${SPREED}/v1/chat/{token}/read`, public: true, handler: markUnread },
    // `settings` before `{token}`: it matches the token pattern too.
    { method: 'GET', path: `${SPREED}/v3/signaling/settings`, public: true, handler: signalingSettings },
    // `backend` before `{token}` too (the HPB's requests, double/hpb.ts).
    ...hpbBackendRoutes(),
    { method: 'GET', path: `${SPREED}/v3/signaling/{token}`, public: true, handler: pullSignaling },
    { method: 'POST', path: `${SPREED}/v3/signaling/{token}`, public: true, handler: sendSignaling },
    { method: 'POST', path: `${SPREED}/v1/settings/user`, handler: setUserSetting },
  ];
}
