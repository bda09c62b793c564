import { check, test } from '../../../fixtures/index.ts';
import { TalkError } from '../../../src/talk/errors.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';
import { talkInfo } from '../../../src/talk/probe.ts';

const c = check('talk.mobile.api');

/**
 * The apps' User-Agents (talk-android ApiUtils.kt `Mozilla/5.0 (Android) Nextcloud-Talk v` +
 * version; talk-ios the same with `(iOS)`), as current releases send them: Talk answers the room
 * list of outdated app versions with 426 (spreed tests/integration/features/integration/outdated-client.feature).
 */
const APPS = {
  android: 'Mozilla/5.0 (Android) Nextcloud-Talk v22.0.0',
  ios: 'Mozilla/5.0 (iOS) Nextcloud-Talk v22.0.0',
} as const;

/**
 * Features the apps need before they work at all:
 * - `force-mute`: talk-ios NCDatabaseManager.m `kMinimumRequiredTalkCapability` ("Talk 9.0 is the
 *   minimum required version"); without it the app shows "outdated Talk version".
 * - `conversation-v4`, `signaling-v3`, `chat-v2`: the API versions both apps use for conversations,
 *   signaling and chat (talk-android ApiUtils.kt getConversationApiVersion / getSignalingApiVersion,
 *   SpreedFeatures in CapabilitiesUtil.kt; talk-ios kCapabilityConversationV4, kCapabilitySignalingV3).
 */
const MOBILE_FEATURES = ['force-mute', 'conversation-v4', 'signaling-v3', 'chat-v2'];
/** talk-android CapabilitiesUtil.kt SERVER_VERSION_MIN_SUPPORTED: older Nextcloud servers are refused as end of life. */
const MIN_NEXTCLOUD_MAJOR = 17;

const SPREED = 'apps/spreed/api';

/** A client as the app is: its own login and session, the app's User-Agent. */
function appClient(url: string, caFile: string | undefined, ua: string, credentials: { user: string; password: string } | undefined): OcsClient {
  return new OcsClient(new HttpClient(url, { caFile, userAgent: ua }), credentials);
}

/** What a request answered, for the evidence: status, or the error's code and status. */
async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status: number | null; message: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof TalkError) return { ok: false, status: err.details.status ?? null, message: err.message };
    throw err;
  }
}

test(c.title, c.details, async ({ target, conversations, evidence }) => {
  if (!target.user) evidence.notRun('no test user configured (TALK_USER/TALK_PASSWORD): the apps log in as a user');
  const who = target.user!.user;
  const android = appClient(target.url, target.caFile, APPS.android, target.user);
  const ios = appClient(target.url, target.caFile, APPS.ios, target.user);
  try {
    evidence.add('userAgents', APPS).add('user', who);

    // 1. What the apps read at login (talk-ios AuthenticationViewController: capabilities first).
    const caps = await test.step('read the capabilities as the Android app', () =>
      android.get<{ version: { major?: number; string?: string }; capabilities: Record<string, unknown> }>('cloud/capabilities'));
    const talk = talkInfo(caps.data.capabilities);
    const major = caps.data.version.major ?? Number.parseInt(caps.data.version.string ?? '', 10);
    const missing = MOBILE_FEATURES.filter((f) => !talk.features.includes(f));
    evidence
      .add('nextcloud', caps.data.version.string ?? null)
      .add('talk', talk.version)
      .add('requiredFeatures', MOBILE_FEATURES)
      .add('missingFeatures', talk.installed ? missing : MOBILE_FEATURES);
    if (!talk.installed) {
      evidence.observed(`capabilities for ${who} without \`spreed\``);
      evidence.require(false, `the Talk apps cannot be used by ${who}: ${talk.reason}; the apps report "Talk not installed" at login`);
    }
    evidence.observed(`Talk ${talk.version}${missing.length ? `, missing ${missing.join(', ')}` : ', all app features'}`);
    evidence.requireAll([
      [missing.length === 0, `Talk ${talk.version} lacks ${missing.join(', ')}: the apps refuse it as outdated or cannot use its API`],
      [
        Number.isFinite(major) && major >= MIN_NEXTCLOUD_MAJOR,
        `Nextcloud ${caps.data.version.string} is older than ${MIN_NEXTCLOUD_MAJOR}, which the Android app refuses as end of life`,
      ],
    ]);

    // 2. A conversation of the test user, then everything the apps do with it.
    const conversation = await conversations.create({ label: 'mobile' });
    const rooms = await test.step('list the conversations as the Android and the iOS app', async () => ({
      android: await attempt(() => android.get<{ token: string }[]>(`${SPREED}/v4/room`)),
      ios: await attempt(() => ios.get<{ token: string }[]>(`${SPREED}/v4/room`)),
    }));
    const settings = await test.step('read the signaling settings as the Android app', () =>
      attempt(() =>
        android.get<{ signalingMode?: string; stunservers?: unknown[]; turnservers?: unknown[] }>(
          `${SPREED}/v3/signaling/settings?token=${encodeURIComponent(conversation.token)}`,
        ),
      ));
    const text = `${conversations.nameFor('mobile')} message from the app`;
    const chat = await test.step('join, send a chat message and read it back as the Android app', async () => {
      const join = await attempt(() => android.post(`${SPREED}/v4/room/${conversation.token}/participants/active`, { force: true }));
      const sent = await attempt(() =>
        android.post<{ id: number }>(`${SPREED}/v1/chat/${conversation.token}`, { message: text, referenceId: `tc-mobile-${Date.now()}` }, { expect: [201] }),
      );
      const read = await attempt(() =>
        android.get<{ id: number; message: string }[]>(`${SPREED}/v1/chat/${conversation.token}`, { query: { lookIntoFuture: 0, limit: 20, setReadMarker: 0 }, expect: [200] }),
      );
      if (join.ok) await attempt(() => android.delete(`${SPREED}/v4/room/${conversation.token}/participants/active`));
      return { join, sent, read };
    });

    const listed = (r: typeof rooms.android) => r.ok && (r.value.data ?? []).some((room) => room.token === conversation.token);
    const status = (r: { ok: boolean; status?: number | null }) => (r.ok ? 'ok' : `HTTP ${r.status ?? 'error'}`);
    const sentId = chat.sent.ok ? chat.sent.value.data.id : null;
    const readBack = chat.read.ok && (chat.read.value.data ?? []).some((m) => m.id === sentId && m.message === text);
    const signaling = settings.ok ? settings.value.data : null;
    evidence
      .add('roomList', { android: status(rooms.android), ios: status(rooms.ios), listedAndroid: listed(rooms.android), listedIos: listed(rooms.ios) })
      // Counts only: the settings carry TURN credentials and a signaling ticket.
      .add(
        'signalingSettings',
        signaling
          ? { signalingMode: signaling.signalingMode ?? null, stunServers: signaling.stunservers?.length ?? 0, turnServers: signaling.turnservers?.length ?? 0 }
          : status(settings),
      )
      .add('chat', { join: status(chat.join), sent: status(chat.sent), messageId: sentId, readBack });
    evidence.observed(
      `Talk ${talk.version}; room list Android ${status(rooms.android)}, iOS ${status(rooms.ios)}; signaling settings ${signaling ? (signaling.signalingMode ?? 'no mode') : status(settings)}; ` +
        `chat ${readBack ? 'sent and read back' : `send ${status(chat.sent)}, read ${status(chat.read)}`}`,
    );
    const upgrade = (r: typeof rooms.android, app: string) =>
      !r.ok && r.status === 426
        ? `Talk answers the room list of the current ${app} app with 426 Upgrade Required`
        : `the room list as the ${app} app ${r.ok ? 'does not contain the conversation' : `failed: ${r.message}`}`;
    evidence.requireAll([
      [listed(rooms.android), upgrade(rooms.android, 'Android')],
      [listed(rooms.ios), upgrade(rooms.ios, 'iOS')],
      [
        Boolean(signaling?.signalingMode) && Array.isArray(signaling?.stunservers) && Array.isArray(signaling?.turnservers),
        `the signaling settings ${settings.ok ? 'lack signalingMode, stunservers or turnservers' : `failed: ${settings.message}`}`,
      ],
      [chat.join.ok, `joining the conversation failed: ${chat.join.ok ? '' : chat.join.message}`],
      [chat.sent.ok, `sending a chat message failed: ${chat.sent.ok ? '' : chat.sent.message}`],
      [readBack, `the message sent (id ${sentId}) was not in the chat read back${chat.read.ok ? '' : `: ${chat.read.message}`}`],
    ]);
  } finally {
    await android.http.close();
    await ios.http.close();
  }
});
