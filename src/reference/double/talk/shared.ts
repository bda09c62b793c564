import type { Ctx } from '../context.ts';
import type { OcsOut } from '../ocs.ts';
import type { Room, TalkSession, User } from '../store.ts';
import { SYSTEM_TEXT } from './formatter.ts';

/**
 * What several of Talk's controllers share: the room and the caller's participation and session
 * (what nextcloud/spreed lib/Middleware/InjectionMiddleware.php and lib/TalkSession.php provide a
 * controller), system messages, the 1 s wait of both long polls (ChatController, SignalingController),
 * and the database's and PHP's answers to what they cannot store.
 */

/** Both long polls are a server loop "check, sleep 1 s" (ChatManager::waitForNewMessages, SignalingController::pullMessages). */
const POLL_INTERVAL_MS = 1000;

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

export function findRoom(ctx: Ctx): Room | undefined {
  return ctx.store.rooms.get(ctx.params['token']!);
}

/** The room for a logged-in attendee (RequireParticipant); public rooms also for users who joined a session. */
export function participantRoom(ctx: Ctx): { room: Room; user: User } | null {
  const room = findRoom(ctx);
  const user = ctx.user;
  if (!room || !user) return null;
  if (!room.attendees.has(user.id)) return null;
  return { room, user };
}

/** The caller's Talk session in this room, from the PHP session (TalkSession::getSessionForRoom). */
export function currentSession(ctx: Ctx, room: Room): TalkSession | null {
  const id = ctx.session?.talk.get(room.token);
  const s = id ? ctx.store.talkSessions.get(id) : undefined;
  return s && s.token === room.token ? s : null;
}

export function systemMessage(ctx: Ctx, room: Room, actor: User, type: string, params: Record<string, Record<string, string>> = {}): void {
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
export function serverError(out: OcsOut): void {
  out.fail(500, 'Internal Server Error\n', [], 996);
}
