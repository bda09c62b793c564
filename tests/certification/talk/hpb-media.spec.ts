import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from './hpb.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { HELLO_TIMEOUT_MS, WELCOME_TIMEOUT_MS, fetchWelcome, hpbBackendUrl, hpbWebSocketUrl, mixedContent } from '../../../src/talk/hpb-client.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';
import { FIRST_FRAME_TIMEOUT_MS, MCU_ANSWER_TIMEOUT_MS, type MediaParticipant, type MediaResult, closeInPage, connectInPage, mediaInPage } from './hpb-media.ts';

const c = check('talk.hpb.media');
// The page gets Talk's TURN credentials and signaling tickets: a trace would record them. The
// page is Talk's origin (a secure context); its CSP is Nextcloud's business, not the HPB's, so
// the WebSockets Talk's own page may open (spreed adds the HPB to connect-src) are not blocked here.
test.use({ trace: 'off', bypassCSP: true });

type Settings = { helloAuthParams?: Record<string, unknown>; stunservers?: { urls: string[] }[]; turnservers?: { urls: string[]; username: string; credential: string }[] };

/** In-call flags of Talk's "Join call" with camera and microphone (docs/constants.md: in call 1 + audio 2 + video 4). */
const CALL_FLAGS = 7;

function describeMedia(r: MediaResult): string {
  const s = r.subscriber;
  const pair = s.pair ? `${s.pair.local}→${s.pair.remote} ${s.pair.protocol} (${s.pair.remoteAddress})` : 'no pair';
  return (
    `publisher's offer answered in ${r.publisher.answerMs ?? '-'} ms (ICE ${r.publisher.iceState}); subscriber's offer in ${s.offerMs ?? '-'} ms, ICE ${s.iceState} ${pair}; ` +
    `${s.framesDecoded} frame(s) decoded${s.frameWidth ? ` at ${s.frameWidth}x${s.frameHeight}` : ''}${s.codec ? ` (${s.codec})` : ''}` +
    `${s.firstFrameMs !== null ? `, first ${s.firstFrameMs} ms after requestoffer` : ''}; video element ${s.videoElement ? `${s.videoElement.width}x${s.videoElement.height}${s.videoElement.advanced ? ' playing' : ' not advancing'}` : 'none'}; ` +
    `audio packets ${s.audioPackets}`
  );
}

/**
 * Media through the MCU as Talk's client sends it (logic and protocol: hpb-media.ts): two users
 * join the conversation and its call; in one page of Talk's origin the first publishes its fake
 * camera to the MCU, the second subscribes and must decode frames.
 */
test(c.title, c.details, async ({ target, conversations, ocs, evidence, talkPage }) => {
  const s = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-media');
  const mixed = mixedContent(target.url, s.server);
  if (mixed) return evidence.notRun(`${mixed}; see talk.hpb.websocket`);
  const user2 = target.user2;
  if (!user2) return evidence.notRun('two participants are needed: set TALK_USER2/TALK_PASSWORD2 (a second Talk user)');
  const w = await test.step('GET <server>/api/v1/welcome: does the HPB announce an MCU?', () => fetchWelcome(s.server, target.caFile));
  evidence.add('welcomeFeatures', w.features);
  if (w.status !== 200) return evidence.notRun(`the HPB's welcome at ${w.url} did not answer (${w.status ?? w.error}); see talk.hpb.welcome`);
  if (!w.features.includes('mcu')) return evidence.notRun("the HPB announces no MCU (see talk.hpb.mcu): Talk's clients then send media peer-to-peer, which call.media certifies");

  await test.step('add the second user to the conversation', () =>
    ocs.post(`apps/spreed/api/v4/room/${s.token}/participants`, { newParticipant: user2.user, source: 'users' }, { expect: [200] }));
  const http2 = new HttpClient(target.url, { caFile: target.caFile });
  const ocs2 = new OcsClient(http2, user2);
  const users = [
    { name: target.user?.user ?? 'user 1', ocs, ncSession: '', inCall: false },
    { name: user2.user, ocs: ocs2, ncSession: '', inCall: false },
  ];
  const t0 = Date.now();
  try {
    const people: MediaParticipant[] = [];
    let iceServers: RTCIceServer[] = [];
    for (const [i, u] of users.entries()) {
      await test.step(`${u.name}: join the conversation in Nextcloud and read the signaling settings`, async () => {
        const joined = await u.ocs.post<{ sessionId?: string }>(`apps/spreed/api/v4/room/${s.token}/participants/active`, {}, { expect: [200] });
        u.ncSession = joined.data.sessionId ?? '';
        const settings = await u.ocs.get<Settings>(`apps/spreed/api/v3/signaling/settings?token=${encodeURIComponent(s.token)}`, { expect: [200] });
        people.push({ name: u.name, version: null, params: settings.data.helloAuthParams ?? {}, ncSession: u.ncSession });
        // Talk's client uses the settings' STUN and TURN servers for the MCU's peer connections too.
        if (i === 0) iceServers = [...(settings.data.stunservers ?? []), ...(settings.data.turnservers ?? [])];
      });
    }
    evidence.add('iceServers', iceServers.map((x) => x.urls).flat());

    const nav = await test.step("open a page of Talk's origin (a secure context)", () => talkPage.open('apps/spreed/')).catch((err: Error) => err);
    if (nav instanceof Error) return evidence.notRun(`the browser could not open ${target.url}apps/spreed/ (${nav.message.split('\n')[0]}), so no media could be sent`);
    evidence.add('page', nav);

    const wsUrl = hpbWebSocketUrl(s.server);
    const connected = await test.step('in the page: both open the HPB WebSocket, hello, join the signaling room', () =>
      connectInPage(talkPage.page, {
        wsUrl,
        backendUrl: hpbBackendUrl(target.url),
        token: s.token,
        people,
        welcomeTimeoutMs: WELCOME_TIMEOUT_MS,
        answerTimeoutMs: HELLO_TIMEOUT_MS,
      }));
    evidence.add('signaling', connected.people);
    const stuck = connected.people.find((p) => !p.ok) ?? (connected.people.length < 2 ? { name: users[1]!.name, step: 'not started', error: '' } : null);
    if (stuck) {
      return evidence.notRun(
        `${stuck.name} could not join the conversation through the HPB in the browser at "${stuck.step}${stuck.error ? `: ${stuck.error}` : ''}"; see talk.hpb.websocket, talk.hpb.hello and talk.hpb.room`,
      );
    }

    for (const u of users) {
      await test.step(`${u.name}: join the call (POST …/call/{token}, flags ${CALL_FLAGS}; Nextcloud tells the HPB)`, async () => {
        await u.ocs.post(`apps/spreed/api/v4/call/${s.token}`, { flags: CALL_FLAGS }, { expect: [200] });
        u.inCall = true;
      });
    }

    const [pub, sub] = connected.people as [ConnectResult, ConnectResult];
    const r = await test.step(`in the page: ${pub.name} publishes the fake camera to the MCU, ${sub.name} subscribes and decodes`, () =>
      mediaInPage(talkPage.page, {
        publisher: pub.hpbSession,
        subscriber: sub.hpbSession,
        iceServers,
        answerTimeoutMs: MCU_ANSWER_TIMEOUT_MS,
        firstFrameTimeoutMs: FIRST_FRAME_TIMEOUT_MS,
      }));
    evidence.add('media', r).add('wallMs', Date.now() - t0);
    evidence.observed(r.step === 'done' ? `video through the MCU: ${describeMedia(r)}` : `stopped at ${r.step}${r.error ? ` (${r.error})` : ''}: ${describeMedia(r)}`);
    if (r.step === 'getUserMedia') return evidence.notRun(`the browser gave no fake camera (${r.error}), so nothing could be published`);
    const codes = r.errors.join('; ');
    evidence.require(
      r.step !== 'offer',
      `the MCU did not take ${pub.name}'s camera: ${r.error ?? 'no answer'} — the signaling server could not set up the publisher in its MCU (Janus stopped or unreachable from the signaling server), ` +
        'although the welcome still announces the feature mcu; nobody in a call through this HPB would see or hear anyone',
    );
    evidence.require(
      r.step !== 'requestoffer',
      /not_allowed/.test(codes)
        ? `the HPB refused ${sub.name}'s requestoffer (${codes}): it does not know both are in the call — Nextcloud's in-call notification (POST <server>/api/v1/room/<token>) did not reach it or was refused`
        : `the MCU offered ${sub.name} no stream of ${pub.name}: ${r.error ?? 'no offer'} (Janus did not create the subscriber)`,
    );
    evidence.require(r.step !== 'answer' || !r.error, `${sub.name}'s browser could not use the MCU's offer: ${r.error ?? ''}`);
    evidence.require(
      r.step !== 'ice',
      `no ICE connection between ${sub.name}'s browser and the MCU within ${FIRST_FRAME_TIMEOUT_MS / 1000} s (ICE ${r.subscriber.iceState}, ${r.subscriber.remoteCandidates} candidate(s) from Janus, ` +
        `publisher ICE ${r.publisher.iceState}): Janus announces addresses the browsers cannot reach — set nat_1_1_mapping, open its rtp_port_range (UDP), or give the clients a TURN server`,
    );
    evidence.require(
      r.step === 'done',
      `connected to the MCU, but ${sub.name} decoded ${r.subscriber.framesDecoded} frame(s) of ${pub.name}'s video within ${FIRST_FRAME_TIMEOUT_MS / 1000} s${r.error ? ` (${r.error})` : ''}: Janus forwards no video`,
    );
  } finally {
    await closeInPage(talkPage.page);
    for (const u of users) {
      if (u.inCall) await u.ocs.delete(`apps/spreed/api/v4/call/${s.token}`, { expect: [200, 404] }).catch(() => {});
      if (u.ncSession) await u.ocs.delete(`apps/spreed/api/v4/room/${s.token}/participants/active`, { expect: [200, 404] }).catch(() => {});
    }
    await http2.close();
  }
});

type ConnectResult = Awaited<ReturnType<typeof connectInPage>>['people'][number];
