import { hpbBackendRoutes } from './hpb.ts';
import type { OcsRoute } from './ocs.ts';
import type { User } from './store.ts';
import { callPeers, joinCall, leaveCall, updateCall } from './talk/call.ts';
import { markUnread, receiveMessages, sendMessage, setReadMarker } from './talk/chat.ts';
import { addParticipant, createRoom, deleteRoom, getRoom, joinSession, leaveSessionRoute, listParticipants, listRooms, removeSelf } from './talk/room.ts';
import { setUserSetting } from './talk/settings.ts';
import { pullSignaling, sendSignaling, signalingSettings } from './talk/signaling.ts';

/**
 * Talk (spreed) 22 as the web client and the checks see it: conversations, participants and
 * sessions (API v4), calls (v4), chat with long polling (v1), internal signaling and its
 * settings with TURN credentials (v3), the blur preference (v1 settings). Behaviour follows the
 * controllers named in docs/reference/talk-reference.md sections 1–5; where Talk has many more options, the
 * double implements the ones the suite uses and answers the rest like Talk does for a room
 * without them (no lobby, no password, no guests, no federation).
 *
 * This file is the entry: whether Talk is loaded for a caller and the route table. The handlers
 * live in talk/, one module per controller of nextcloud/spreed lib/Controller/:
 *   talk/room.ts       RoomController       conversations, participants, the caller's session
 *   talk/call.ts       CallController       join, update, leave a call; its peers
 *   talk/chat.ts       ChatController       receive (long poll), send, read marker
 *   talk/signaling.ts  SignalingController  settings with STUN/TURN, internal signaling
 *   talk/settings.ts   SettingsController   the blur preference
 * and what they share: talk/capabilities.ts (lib/Capabilities.php), talk/config.ts (TURN,
 * lib/Config.php), talk/formatter.ts (RoomFormatter, Message), talk/shared.ts (room, session,
 * system messages, the long-poll wait, database errors).
 */

// What talk.ts exported before it was split, so that importers do not change.
export { talkCapabilities } from './talk/capabilities.ts';
export { CHAT_MAX_LENGTH, CHAT_MAX_TIMEOUT_S } from './talk/chat.ts';
export { talkTurnCredentials, turnUrls, unreachableTurnHost } from './talk/config.ts';
export { messageJson, roomJson } from './talk/formatter.ts';
export { pollInterval, rejectsFourByte } from './talk/shared.ts';
export { SIGNALING_PULL_TIMEOUT_S } from './talk/signaling.ts';

/**
 * Is Talk loaded for this caller? With `occ app:enable spreed --groups …` the app is loaded only
 * for members of those groups (the double's only group is `admin`); anonymous callers are in none.
 */
export function talkEnabledFor(talk: { groups?: string[] } | null, user: User | null): boolean {
  if (!talk) return false;
  if (!talk.groups) return true;
  return Boolean(user?.isAdmin && talk.groups.includes('admin'));
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
