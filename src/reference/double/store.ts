import { Throttler } from './bruteforce.ts';
import { randomBytes, randomInt } from 'node:crypto';

/**
 * The double's in-memory state: what Nextcloud keeps in its database (users, Talk rooms,
 * attendees, chat messages, internal-signaling messages) and in PHP sessions. Nothing else in
 * the double holds state, so `counts()` tells a self-test whether a run cleaned up after itself.
 */

export interface User {
  id: string;
  password: string;
  displayName: string;
  email: string;
  isAdmin: boolean;
  /** false: disabled by an admin (provisioning API `PUT cloud/users/{id}/disable`); every login is refused. */
  enabled: boolean;
  /** Talk user preference `blur_virtual_background` (SettingsController::setUserSetting). */
  blurVirtualBackground: boolean;
  /** The user closed the first-run wizard (firstrunwizard WizardController::disable: user value `firstrunwizard show` = 0). */
  firstRunWizardClosed: boolean;
  createdAt: number;
  /** Until when this user's first login copies the skeleton (profile php.firstLoginLockMs); absent: never logged in by Basic. */
  firstLoginUntilMs?: number;
}

/** A PHP session (cookie `oc<instanceid>`). Talk keeps its session id per room token in it (key `spreed-session`). */
export interface PhpSession {
  id: string;
  userId: string | null;
  /** Secret behind this session's CSRF tokens (OC\Security\CSRF\CsrfTokenManager). */
  csrfSecret: Buffer;
  /** TalkSession::setSessionForRoom: token -> Talk session id. */
  talk: Map<string, string>;
  /** Login error to show once on the next GET /login (LoginController stores `loginMessages` in the session). */
  loginMessage: string | null;
  lastSeenMs: number;
  /**
   * Whether a session token (oc_authtoken, keyed by the session id) backs this login. A login form
   * creates one; a Basic login creates one only when the request carried the `cookie_test` cookie
   * (Session::logClientIn → supportsCookies). false: the next request with only the cookie is
   * not logged in (Session::validateSession finds no token and logs out). Absent: backed.
   */
  tokenBacked?: boolean;
}

/** Talk participant types (spreed docs/constants.md). */
export const PARTICIPANT = { owner: 1, moderator: 2, user: 3, guest: 4, userSelfJoined: 5, guestModerator: 6 } as const;
/** Talk conversation types (spreed docs/constants.md). */
export const ROOM_TYPE = { oneToOne: 1, group: 2, public: 3, changelog: 4, formerOneToOne: 5, noteToSelf: 6 } as const;

export interface Attendee {
  attendeeId: number;
  actorType: 'users';
  actorId: string;
  displayName: string;
  participantType: number;
  lastReadMessage: number;
  notificationLevel: number;
}

export interface Room {
  id: number;
  token: string;
  type: number;
  name: string;
  description: string;
  createdAt: number;
  lastActivity: number;
  /** By user id. */
  attendees: Map<string, Attendee>;
  /** When the current call started (s), 0 = no call. */
  callStartTime: number;
  lastMessageId: number;
}

export interface TalkSession {
  /** 255 chars of A–Z a–z 0–9 + / (Talk's session ids, spreed Service/SessionService.php). */
  sessionId: string;
  token: string;
  userId: string;
  /** In-call flags: 0 disconnected, 1 in call, 2 audio, 4 video, 8 phone. */
  inCall: number;
  lastPing: number;
  phpSessionId: string;
  /** The store's refresh count when this session last took its signaling (or was created): a later refresh of its room is pending for it. */
  refreshTaken: number;
}

export interface ChatMessage {
  id: number;
  token: string;
  actorType: 'users' | 'guests' | 'bots' | 'deleted_users';
  actorId: string;
  actorDisplayName: string;
  timestamp: number;
  message: string;
  messageParameters: Record<string, Record<string, string>>;
  systemMessage: string;
  messageType: 'comment' | 'system';
  referenceId: string;
  silent: boolean;
  parentId: number | null;
}

export interface SignalingMessage {
  recipient: string;
  /** The JSON string handed to the recipient, or `refresh-participant-list`. */
  data: string;
}

/** The signaling payload Messages::addMessageForAllParticipants queues when the participant list changed. */
export const REFRESH_PARTICIPANTS = 'refresh-participant-list';

/** Talk's token alphabet: lower-case letters and digits without l, 0, 1 (spreed lib/Manager.php). */
const TOKEN_ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';
/** Talk's token length (app config `token_entropy` default 8). */
const TOKEN_LENGTH = 8;
const SESSION_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SESSION_ID_LENGTH = 255;
/** PHP's session.gc_maxlifetime default: idle PHP sessions older than this are gone. */
const PHP_SESSION_MAX_IDLE_MS = 1440_000;
/** Prune idle PHP sessions every this many new ones (clients without cookies start one per request). */
const PHP_SESSION_PRUNE_EVERY = 256;

export function randomString(length: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export const nowS = (): number => Math.floor(Date.now() / 1000);

/**
 * Session secrets (PHP session ids, Talk session ids) start with TALK_CERTIFY_SECRET_MARKER when
 * it is set: the secret-leak self-tests search every output for it (see src/reference/index.ts).
 */
export function markedSecret(random: string): string {
  const marker = process.env.TALK_CERTIFY_SECRET_MARKER ?? '';
  return marker ? `${marker}${random.slice(marker.length)}` : random;
}

/** What `Store.reset()` returns to: the users and throttle state the platform started with. */
export interface StoreSnapshot {
  users: User[];
  bruteforce: ReturnType<Throttler['snapshot']>;
}

export class Store {
  /** oc_bruteforce_attempts: talkRoomToken and other attempts per client address (bruteforce.ts). */
  readonly bruteforce = new Throttler();
  readonly users = new Map<string, User>();
  readonly phpSessions = new Map<string, PhpSession>();
  readonly rooms = new Map<string, Room>();
  readonly talkSessions = new Map<string, TalkSession>();
  /** Chat messages per room token, ascending ids. */
  readonly messages = new Map<string, ChatMessage[]>();
  /**
   * Internal signaling messages waiting per recipient session (talk_internalsignaling, indexed by
   * recipient as Talk's table is): O(1) to queue, to take and to drop with the session, so a
   * thousand joins do not cost a million scans. `refresh-participant-list`, which Talk queues for
   * every session of the room (Messages::addMessageForAllParticipants), is not queued per session:
   * the room records when it was last refreshed and a session takes one refresh when that is later
   * than its last take (the poll answers any number of them with one participant list). A join is
   * then O(1), not O(sessions in the room): 10,000 joins were 50 million queue operations, the
   * double's busiest code in `npm run bench:load` at 10,000 participants.
   */
  readonly signaling = new Map<string, SignalingMessage[]>();
  /** Refreshes so far (a clock for `roomRefreshed` and `TalkSession.refreshTaken`). */
  private refreshes = 0;
  /** Per room token: the refresh count at its last participant-list refresh. */
  private readonly roomRefreshed = new Map<string, number>();
  /** Talk sessions per room token (the attendee/session tables' index by room). */
  private readonly sessionsByRoom = new Map<string, Set<TalkSession>>();
  /** Chat and signaling polls waiting right now (not database state: a self-test checks it drops to 0). */
  longPolls = 0;
  /**
   * Logins refused so far (wrong password, unknown or disabled account; Basic or the login form):
   * what Nextcloud's brute-force protection counts (oc_bruteforce_attempts). A self-test checks
   * that a rejected login costs exactly one attempt.
   */
  failedLogins = 0;
  /**
   * Failed login-form attempts per client address (Nextcloud's throttler counts per IP, action
   * `login`). The double applies no delay; the login page shows what Nextcloud shows at those
   * counts: the throttle text once the delay would exceed 5 s, the 429 page once the maximum is
   * reached (seen on a real Nextcloud: 9 failed logins answered 303, the next ones 429).
   */
  readonly loginFailuresByAddress = new Map<string, number>();
  /** Basic logins with a login password verified (password_verify: the expensive part; profile php.passwordHashMs). */
  passwordChecks = 0;
  /** Password hashes running and waiting (the CPU cores they share). */
  readonly hashing = { busy: 0, waiting: [] as (() => void)[] };
  private nextRoomId = 1;
  private nextAttendeeId = 1;
  private nextMessageId = 1;
  private sessionsSincePrune = 0;

  addUser(u: Omit<User, 'createdAt' | 'blurVirtualBackground' | 'email' | 'enabled' | 'firstRunWizardClosed'> & { email?: string; enabled?: boolean }): User {
    const user: User = { email: '', blurVirtualBackground: false, enabled: true, firstRunWizardClosed: false, createdAt: nowS(), ...u };
    this.users.set(user.id, user);
    return user;
  }

  /** Deletes a user the way Nextcloud + Talk do: sessions end, attendees go, rooms left without attendees are deleted. */
  deleteUser(id: string): boolean {
    if (!this.users.delete(id)) return false;
    for (const [sid, s] of this.phpSessions) if (s.userId === id) this.phpSessions.delete(sid);
    for (const [sid, t] of this.talkSessions) if (t.userId === id) this.endTalkSession(sid);
    for (const room of [...this.rooms.values()]) {
      if (room.attendees.delete(id) && room.attendees.size === 0) this.deleteRoom(room.token);
    }
    return true;
  }

  newPhpSession(): PhpSession {
    if (++this.sessionsSincePrune >= PHP_SESSION_PRUNE_EVERY) {
      this.sessionsSincePrune = 0;
      const cutoff = Date.now() - PHP_SESSION_MAX_IDLE_MS;
      for (const [id, s] of this.phpSessions) if (s.lastSeenMs < cutoff) this.phpSessions.delete(id);
    }
    const s: PhpSession = {
      id: markedSecret(randomBytes(20).toString('hex')),
      userId: null,
      csrfSecret: randomBytes(32),
      talk: new Map(),
      loginMessage: null,
      lastSeenMs: Date.now(),
    };
    this.phpSessions.set(s.id, s);
    return s;
  }

  /** session_regenerate_id after login: same content, new id (the old id stops working). */
  regeneratePhpSession(s: PhpSession): PhpSession {
    this.phpSessions.delete(s.id);
    s.id = markedSecret(randomBytes(20).toString('hex'));
    this.phpSessions.set(s.id, s);
    return s;
  }

  createRoom(type: number, name: string, owner: User): Room {
    let token: string;
    do token = randomString(TOKEN_LENGTH, TOKEN_ALPHABET);
    while (this.rooms.has(token));
    const now = nowS();
    const room: Room = { id: this.nextRoomId++, token, type, name, description: '', createdAt: now, lastActivity: now, attendees: new Map(), callStartTime: 0, lastMessageId: 0 };
    this.rooms.set(token, room);
    this.messages.set(token, []);
    this.addAttendee(room, owner, PARTICIPANT.owner);
    return room;
  }

  addAttendee(room: Room, user: User, participantType: number): Attendee {
    const existing = room.attendees.get(user.id);
    if (existing) return existing;
    const a: Attendee = {
      attendeeId: this.nextAttendeeId++,
      actorType: 'users',
      actorId: user.id,
      displayName: user.displayName,
      participantType,
      // New attendees have read everything up to now (Talk sets last_read_message on add).
      lastReadMessage: room.lastMessageId,
      notificationLevel: room.type === ROOM_TYPE.oneToOne ? 1 : 2,
    };
    room.attendees.set(user.id, a);
    return a;
  }

  deleteRoom(token: string): void {
    this.rooms.delete(token);
    this.messages.delete(token);
    for (const [sid, t] of this.talkSessions) {
      if (t.token === token) this.endTalkSession(sid);
    }
  }

  newTalkSession(room: Room, userId: string, php: PhpSession): TalkSession {
    const s: TalkSession = {
      sessionId: markedSecret(randomString(SESSION_ID_LENGTH, SESSION_ID_ALPHABET)),
      token: room.token,
      userId,
      inCall: 0,
      lastPing: nowS(),
      phpSessionId: php.id,
      refreshTaken: this.refreshes,
    };
    this.talkSessions.set(s.sessionId, s);
    let ofRoom = this.sessionsByRoom.get(room.token);
    if (!ofRoom) this.sessionsByRoom.set(room.token, (ofRoom = new Set()));
    ofRoom.add(s);
    php.talk.set(room.token, s.sessionId);
    return s;
  }

  endTalkSession(sessionId: string): TalkSession | undefined {
    const s = this.talkSessions.get(sessionId);
    if (!s) return undefined;
    this.talkSessions.delete(sessionId);
    const ofRoom = this.sessionsByRoom.get(s.token);
    ofRoom?.delete(s);
    if (ofRoom?.size === 0) {
      this.sessionsByRoom.delete(s.token);
      this.roomRefreshed.delete(s.token);
    }
    const php = this.phpSessions.get(s.phpSessionId);
    if (php?.talk.get(s.token) === sessionId) php.talk.delete(s.token);
    this.signaling.delete(sessionId);
    return s;
  }

  sessionsOfRoom(token: string): TalkSession[] {
    return [...(this.sessionsByRoom.get(token) ?? [])];
  }

  addMessage(room: Room, m: Omit<ChatMessage, 'id' | 'token' | 'timestamp'>): ChatMessage {
    const msg: ChatMessage = { ...m, id: this.nextMessageId++, token: room.token, timestamp: nowS() };
    this.messages.get(room.token)!.push(msg);
    room.lastMessageId = msg.id;
    room.lastActivity = msg.timestamp;
    return msg;
  }

  /** Internal signaling: queue for one recipient session (spreed lib/Signaling/Messages.php addMessage). */
  queueSignaling(recipient: string, data: string): void {
    if (!this.talkSessions.has(recipient)) return;
    let queue = this.signaling.get(recipient);
    if (!queue) this.signaling.set(recipient, (queue = []));
    queue.push({ recipient, data });
  }

  /** Messages::addMessageForAllParticipants(room, 'refresh-participant-list'): makes every waiting poll return the participant list. */
  refreshParticipants(token: string): void {
    if (this.sessionsByRoom.has(token)) this.roomRefreshed.set(token, ++this.refreshes);
  }

  /** Whether a participant-list refresh of its room came after the session's last take. */
  private refreshPending(s: TalkSession): boolean {
    return (this.roomRefreshed.get(s.token) ?? 0) > s.refreshTaken;
  }

  takeSignaling(recipient: string): SignalingMessage[] {
    const mine = this.signaling.get(recipient) ?? [];
    this.signaling.delete(recipient);
    const s = this.talkSessions.get(recipient);
    if (s && this.refreshPending(s)) {
      s.refreshTaken = this.refreshes;
      mine.push({ recipient, data: REFRESH_PARTICIPANTS });
    }
    return mine;
  }

  /**
   * The state the platform started with (its users and any throttle a profile seeds), for
   * `reset()`. Rooms, sessions and messages are not part of it: a platform starts without them.
   */
  snapshot(): StoreSnapshot {
    return { users: [...this.users.values()].map((u) => ({ ...u })), bruteforce: this.bruteforce.snapshot() };
  }

  /**
   * Back to `snapshot`: every room, chat message, Talk and PHP session and signaling message goes,
   * the users are as they were (deleted ones back, disabled ones enabled), the counters restart.
   * Ids keep counting up, so a client still holding an old token gets a 404, never someone
   * else's room. What self-tests sharing one platform per worker call between tests (the
   * `reset()` of tests/selftest/support/platform.ts); it must not run while requests are in flight.
   */
  reset(snapshot: StoreSnapshot): void {
    this.users.clear();
    for (const u of snapshot.users) this.users.set(u.id, { ...u });
    this.bruteforce.restore(snapshot.bruteforce);
    this.phpSessions.clear();
    this.rooms.clear();
    this.talkSessions.clear();
    this.messages.clear();
    this.signaling.clear();
    this.roomRefreshed.clear();
    this.sessionsByRoom.clear();
    this.failedLogins = 0;
    this.loginFailuresByAddress.clear();
    this.passwordChecks = 0;
  }

  counts(): {
    users: number;
    rooms: number;
    messages: number;
    sessions: number;
    phpSessions: number;
    signalingMessages: number;
    longPolls: number;
    failedLogins: number;
    loginFormFailureAddresses: number;
  } {
    let messages = 0;
    for (const list of this.messages.values()) messages += list.length;
    let signalingMessages = 0;
    for (const queue of this.signaling.values()) signalingMessages += queue.length;
    for (const s of this.talkSessions.values()) if (this.refreshPending(s)) signalingMessages++;
    return {
      users: this.users.size,
      rooms: this.rooms.size,
      messages,
      sessions: this.talkSessions.size,
      phpSessions: this.phpSessions.size,
      signalingMessages,
      longPolls: this.longPolls,
      failedLogins: this.failedLogins,
      loginFormFailureAddresses: this.loginFailuresByAddress.size,
    };
  }
}
