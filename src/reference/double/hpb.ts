import { createHmac, createPrivateKey, randomBytes, sign, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { Ctx } from './context.ts';
import type { OcsOut, OcsRoute } from './ocs.ts';

/**
 * Nextcloud's side of the High-Performance Backend (reference profile `hpb`, issue 13): what
 * Talk gives clients for external signaling and the backend endpoint the signaling server calls.
 * Everything here follows spreed's PHP (lib/Config.php, lib/Controller/SignalingController.php,
 * lib/Capabilities.php); the signaling server itself is the real one (src/reference/hpb.ts).
 */

export interface DoubleHpbConfig {
  /** Talk's "High-performance backend" server URL as clients get it (`server` of the settings), e.g. `https://10.213.N.2/standalone-signaling/`. */
  server: string;
  /** Talk's shared secret of that server (app config `signaling_servers` → `secret`); the HPB's `[backend] secret` unless a fault changes one of them. */
  secret: string;
  /** User secret for v1 tickets (Config::getSignalingTicketV1: per-user `signaling_ticket_secret`); one for all users suffices. */
  ticketSecret: string;
  /** ES256 key pair of hello v2 tokens (app config `signaling_token_privkey_es256` / `_pubkey_es256`), PEM. */
  tokenPrivateKey: string;
  tokenPublicKey: string;
  /** Seconds Nextcloud's clock is ahead of the HPB's (fault hpb-clock-skew): the `time()` of tickets and tokens. */
  clockSkewS: number;
  /** The CA Nextcloud trusts for its backend requests to the HPB (Talk's "Validate SSL certificate"): the run's CA. */
  caFile?: string;
}

/** Nextcloud's `time()` (ITimeFactory), skewed by the profile. */
const nowS = (hpb: DoubleHpbConfig) => Math.floor(Date.now() / 1000) + hpb.clockSkewS;

/**
 * Config::getSignalingTicketV1: `<random>:<timestamp>:<userid>:<hmac>`; Config::validateSignalingTicket
 * checks the HMAC-SHA256 over everything before the last colon with the user's ticket secret.
 */
export function signalingTicketV1(hpb: DoubleHpbConfig, userId: string | null): string {
  const data = `${randomBytes(24).toString('base64url')}:${nowS(hpb)}:${userId ?? ''}`;
  return `${data}:${createHmac('sha256', hpb.ticketSecret).update(data).digest('hex')}`;
}

export function validateSignalingTicket(hpb: DoubleHpbConfig, ticket: string): boolean {
  const last = ticket.lastIndexOf(':');
  if (last < 0) return false;
  const want = Buffer.from(createHmac('sha256', hpb.ticketSecret).update(ticket.slice(0, last)).digest('hex'));
  const got = Buffer.from(ticket.slice(last + 1));
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * Config::getSignalingTicketV2: an ES256 JWT `{iss: <Nextcloud URL>, iat, exp: iat + 60, sub, userdata: {displayname}}`
 * (firebase/php-jwt: header `{"typ":"JWT","alg":"ES256"}`, signature r||s).
 */
export function signalingTokenV2(hpb: DoubleHpbConfig, baseUrl: string, user: { id: string; displayName: string } | null): string {
  const iat = nowS(hpb);
  const claims: Record<string, unknown> = { iss: baseUrl, iat, exp: iat + 60 };
  if (user) {
    claims['sub'] = user.id;
    claims['userdata'] = { displayname: user.displayName };
  }
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ typ: 'JWT', alg: 'ES256' })}.${b64(claims)}`;
  const sig = sign('sha256', Buffer.from(input), { key: createPrivateKey(hpb.tokenPrivateKey), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

/** The settings fields that differ with external signaling (SignalingController::getSettings). */
export function externalSignalingSettings(ctx: Ctx): { server: string; ticket: string; helloAuthParams: Record<string, unknown> } | null {
  const hpb = ctx.config.hpb;
  if (!hpb || ctx.config.profile.signaling.mode !== 'external') return null;
  const user = ctx.user;
  const ticket = signalingTicketV1(hpb, user?.id ?? null);
  return {
    server: hpb.server,
    ticket,
    helloAuthParams: {
      '1.0': { userid: user?.id ?? null, ticket },
      '2.0': { token: signalingTokenV2(hpb, ctx.config.baseUrl, user ? { id: user.id, displayName: user.displayName } : null) },
    },
  };
}

/** Capabilities `spreed.config.signaling.hello-v2-token-key` (lib/Capabilities.php): the PEM public key the HPB verifies v2 tokens with. */
export function helloV2TokenKey(ctx: Ctx): string | null {
  return ctx.config.hpb && ctx.config.profile.signaling.mode === 'external' ? ctx.config.hpb.tokenPublicKey : null;
}

/**
 * SignalingController::validateBackendRequest: `Spreed-Signaling-Random` (≥ 32 characters) and
 * `Spreed-Signaling-Checksum` = HMAC-SHA256(random + body) with the shared secret.
 */
export function validBackendRequest(secret: string, random: string, checksum: string, body: string): boolean {
  if (!random || random.length < 32 || !checksum) return false;
  const want = Buffer.from(
    createHmac('sha256', secret)
      .update(random + body)
      .digest('hex'),
  );
  const got = Buffer.from(checksum.toLowerCase());
  return want.length === got.length && timingSafeEqual(want, got);
}

const error = (code: string, message: string) => ({ type: 'error', error: { code, message } });

/** Attendee::PERMISSIONS_* that the HPB gets as strings (SignalingController::backendRoom). */
const MODERATOR_TYPES = new Set([1, 2]);

/** SignalingController::backend: auth, room and ping requests of the signaling server. */
function backend(ctx: Ctx, out: OcsOut): void {
  const hpb = ctx.config.hpb;
  const raw = ctx.rawBody;
  if (!hpb || !validBackendRequest(hpb.secret, ctx.header('spreed-signaling-random'), ctx.header('spreed-signaling-checksum'), raw)) {
    return out.ok(error('invalid_request', 'The request could not be authenticated.'));
  }
  let message: Record<string, any>;
  try {
    message = JSON.parse(raw) as Record<string, any>;
  } catch {
    message = {};
  }
  switch (message['type']) {
    case 'auth': {
      const params = (message['auth']?.['params'] ?? {}) as { userid?: string; ticket?: string };
      if (!validateSignalingTicket(hpb, String(params.ticket ?? ''))) return out.ok(error('invalid_ticket', 'The given ticket is not valid for this user.'));
      const userId = params.userid ?? '';
      if (!userId) return out.ok({ type: 'auth', auth: { version: '1.0' } });
      const user = ctx.store.users.get(userId);
      if (!user) return out.ok(error('no_such_user', 'The given user does not exist.'));
      // Config::getSignalingUserData.
      return out.ok({ type: 'auth', auth: { version: '1.0', userid: user.id, user: { displayname: user.displayName } } });
    }
    case 'room': {
      const req = (message['room'] ?? {}) as { roomid?: string; userid?: string; sessionid?: string; action?: string };
      const room = ctx.store.rooms.get(String(req.roomid ?? ''));
      const attendee = room && req.userid ? room.attendees.get(req.userid) : undefined;
      if (!room || !attendee) return out.ok(error('no_such_room', 'The user is not invited to this room.'));
      const permissions = ['publish-audio', 'publish-video', 'publish-screen', ...(MODERATOR_TYPES.has(attendee.participantType) ? ['control'] : [])];
      // Room::getPropertiesForSignaling: the fields the HPB passes on to clients.
      return out.ok({ type: 'room', room: { version: '1.0', roomid: room.token, properties: { name: room.name, type: room.type }, permissions } });
    }
    case 'ping':
      return out.ok({ type: 'room', room: { version: '1.0' } });
    default:
      return out.ok(error('unknown_type', `The given type ${JSON.stringify(message)} is not supported.`));
  }
}

/**
 * BackendNotifier::roomInCallChanged → backendRequest (spreed lib/Signaling/BackendNotifier.php):
 * `POST <server>/api/v1/room/<token>` with `{type: 'incall', incall: {incall: <flags>, changed, users}}`,
 * headers `Spreed-Signaling-Random` (64 characters), `Spreed-Signaling-Checksum` = HMAC-SHA256(random + body)
 * with the shared secret and `Spreed-Signaling-Backend` = Nextcloud's base URL. `changed`/`users` carry
 * Nextcloud session ids, which the HPB maps to its own sessions (backend_server.go fixupUserSessions);
 * without this the HPB never learns who is in the call and refuses every `requestoffer`
 * (hub.go processMcuMessage: "Not allowed to request offer", isInSameCall). Talk logs a failure
 * and answers the client anyway; so does the double.
 */
export async function notifyInCallChanged(ctx: Ctx, roomToken: string, flags: number, changedSessionIds: string[]): Promise<void> {
  const hpb = ctx.config.hpb;
  if (!hpb || ctx.config.profile.signaling.mode !== 'external') return;
  const entry = (s: { sessionId: string; userId: string; inCall: number; lastPing: number }) => {
    const attendee = ctx.store.rooms.get(roomToken)?.attendees.get(s.userId);
    return { inCall: s.inCall, lastPing: s.lastPing, sessionId: s.sessionId, participantType: attendee?.participantType ?? 3, userId: s.userId };
  };
  const sessions = ctx.store.sessionsOfRoom(roomToken);
  const body = JSON.stringify({
    type: 'incall',
    incall: {
      incall: flags,
      changed: sessions.filter((s) => changedSessionIds.includes(s.sessionId)).map(entry),
      users: sessions.filter((s) => s.inCall !== 0).map(entry),
    },
  });
  const random = randomBytes(48).toString('base64url').slice(0, 64);
  const url = `${hpb.server
    .replace(/\/+$/, '')
    .replace(/^wss:\/\//, 'https://')
    .replace(/^ws:\/\//, 'http://')}/api/v1/room/${encodeURIComponent(roomToken)}`;
  const agent = new Agent({ connect: { ...(hpb.caFile ? { ca: readFileSync(hpb.caFile, 'utf8') } : {}), timeout: 5_000 } });
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
      headers: {
        'content-type': 'application/json',
        'spreed-signaling-random': random,
        'spreed-signaling-checksum': createHmac('sha256', hpb.secret)
          .update(random + body)
          .digest('hex'),
        'spreed-signaling-backend': ctx.config.baseUrl,
      },
      body,
    });
    await res.body.text();
  } catch {
    // BackendNotifier::doRequest: "Failed to send message to signaling server" is only logged.
  } finally {
    await agent.close();
  }
}

/** appinfo/routes/routesSignalingController.php: `POST /api/{apiVersion}/signaling/backend` (v3), #[PublicPage]. */
export function hpbBackendRoutes(): OcsRoute[] {
  return [{ method: 'POST', path: '/apps/spreed/api/v3/signaling/backend', public: true, handler: backend }];
}
