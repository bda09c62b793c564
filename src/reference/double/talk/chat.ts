import type { Ctx } from '../context.ts';
import type { OcsOut } from '../ocs.ts';
import type { ChatMessage, Room } from '../store.ts';
import { lastCommonRead, messageJson, roomJson } from './formatter.ts';
import { currentSession, participantRoom, pollInterval, rejectsFourByte } from './shared.ts';

/**
 * ChatController (nextcloud/spreed lib/Controller/ChatController.php, routes in
 * appinfo/routes/routesChatController.php): receive messages (history and the long poll, with the
 * slow-delivery and lossy faults), send a message, set and clear the read marker.
 */

/** ChatController: a waiting poll holds at most 30 s, whatever the client asks (min(30, timeout)). */
export const CHAT_MAX_TIMEOUT_S = 30;
/** ChatController: `limit` default and cap. */
const CHAT_DEFAULT_LIMIT = 100;
const CHAT_MAX_LIMIT = 200;
/** ChatManager::MAX_CHAT_LENGTH (capability config.chat.max-length). */
export const CHAT_MAX_LENGTH = 32000;

/** ChatController::receiveMessages (see docs/reference/talk-reference.md section 1). */
export async function receiveMessages(ctx: Ctx, out: OcsOut): Promise<void> {
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
    const list = all
      .filter((m) => m.id < offset || (includeLastKnown && m.id === lastKnown))
      .reverse()
      .slice(0, limit);
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
export function sendMessage(ctx: Ctx, out: OcsOut): void {
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

export function setReadMarker(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const a = p.room.attendees.get(p.user.id)!;
  a.lastReadMessage = ctx.intParam('lastReadMessage', p.room.lastMessageId);
  out.ok(roomJson(ctx, p.room, p.user, currentSession(ctx, p.room)), 200, { 'X-Chat-Last-Common-Read': String(lastCommonRead(p.room)) });
}

export function markUnread(ctx: Ctx, out: OcsOut): void {
  const p = participantRoom(ctx);
  if (!p) return out.fail(404);
  const ids = (ctx.store.messages.get(p.room.token) ?? []).filter((m) => m.messageType === 'comment').map((m) => m.id);
  p.room.attendees.get(p.user.id)!.lastReadMessage = ids.length > 1 ? ids[ids.length - 2]! : 0;
  out.ok(roomJson(ctx, p.room, p.user, currentSession(ctx, p.room)));
}
