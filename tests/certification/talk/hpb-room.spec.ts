import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from './hpb.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { HpbConnection } from '../../../src/talk/hpb-client.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';

const c = check('talk.hpb.room');

/** How long a participant may wait for the other's room `join` event (the HPB forwards it over NATS at once). */
const JOIN_EVENT_TIMEOUT_MS = 10_000;

type Msg = Record<string, any>;
const joinedSessions = (m: Msg): string[] =>
  m['type'] === 'event' && m['event']?.['target'] === 'room' && m['event']?.['type'] === 'join' ? ((m['event']['join'] ?? []) as Msg[]).map((j) => String(j['sessionid'])) : [];

/**
 * Two participants as Talk's client does it (spreed src/utils/signaling.js): join the conversation
 * in Nextcloud (`POST …/participants/active`), hello to the HPB with the settings' credentials,
 * then `{type: 'room', room: {roomid: <token>, sessionid: <Nextcloud session>}}`; each must see the
 * other's room `join` event.
 */
test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  const s = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-room');
  const user2 = target.user2;
  if (!user2) return evidence.notRun('two participants are needed: set TALK_USER2/TALK_PASSWORD2 (a second Talk user)');
  await test.step('add the second user to the conversation', () =>
    ocs.post(`apps/spreed/api/v4/room/${s.token}/participants`, { newParticipant: user2.user, source: 'users' }, { expect: [200] }));
  const http2 = new HttpClient(target.url, { caFile: target.caFile });
  const ocs2 = new OcsClient(http2, user2);
  const people = [
    { name: target.user?.user ?? 'user 1', ocs, params: s.helloAuthParams, conn: new HpbConnection(s.server, target.caFile), ncSession: '', hpbSession: '', step: 'not started' },
    { name: user2.user, ocs: ocs2, params: {} as Record<string, unknown>, conn: new HpbConnection(s.server, target.caFile), ncSession: '', hpbSession: '', step: 'not started' },
  ];
  try {
    const settings2 = await ocs2.get<{ helloAuthParams?: Record<string, unknown> }>(`apps/spreed/api/v3/signaling/settings?token=${encodeURIComponent(s.token)}`, {
      expect: [200],
    });
    people[1]!.params = settings2.data.helloAuthParams ?? {};
    for (const p of people) {
      await test
        .step(`${p.name}: join the conversation, hello, join the signaling room`, async () => {
          p.step = 'join the conversation in Nextcloud';
          const joined = await p.ocs.post<{ sessionId?: string }>(`apps/spreed/api/v4/room/${s.token}/participants/active`, {}, { expect: [200] });
          p.ncSession = joined.data.sessionId ?? '';
          p.step = 'open the WebSocket';
          await p.conn.open();
          // Talk's client: v2 when the HPB announces hello-v2 and the settings carry a token.
          const version = p.params['2.0'] && (p.conn.welcomeFeatures ?? []).includes('hello-v2') ? '2.0' : '1.0';
          p.step = `hello ${version}`;
          const hello = await p.conn.hello(version, target.url, p.params[version]);
          if (hello['type'] !== 'hello') throw new Error(`hello ${version} answered ${hello['type']} ${hello['error']?.['code'] ?? ''} "${hello['error']?.['message'] ?? ''}"`);
          p.hpbSession = String(hello['hello']?.['sessionid'] ?? '');
          p.step = 'join the signaling room';
          const room = await p.conn.joinRoom(s.token, p.ncSession);
          if (room['type'] !== 'room' || room['room']?.['roomid'] !== s.token) {
            throw new Error(`the room request answered ${room['type']} ${room['error']?.['code'] ?? ''} "${room['error']?.['message'] ?? ''}"`);
          }
          p.step = 'joined';
        })
        .catch((err: Error) => {
          p.step = `${p.step}: ${err.message}`;
        });
      if (p.step !== 'joined') break;
    }
    const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
    const seen = async (who: typeof a, other: typeof a) =>
      who.step === 'joined' && other.step === 'joined'
        ? Boolean(await who.conn.waitFor((m) => joinedSessions(m).includes(other.hpbSession), JOIN_EVENT_TIMEOUT_MS).catch(() => null))
        : false;
    const [aSeesB, bSeesA] = await Promise.all([seen(a, b), seen(b, a)]);
    for (const p of people) evidence.add(p.name, { step: p.step, welcomeFeatures: p.conn.welcomeFeatures, messages: p.conn.messages.map((m) => m['type']).join(',') });
    evidence.add('aSeesB', aSeesB).add('bSeesA', bSeesA);
    evidence.observed(
      people.map((p) => `${p.name}: ${p.step}`).join('; ') +
        (a.step === 'joined' && b.step === 'joined' ? `; ${a.name} sees ${b.name}: ${aSeesB}, ${b.name} sees ${a.name}: ${bSeesA}` : ''),
    );
    const failed = people.find((p) => p.step !== 'joined');
    if (failed) {
      evidence.require(
        false,
        `${failed.name} could not join the conversation through the HPB at "${failed.step}"` +
          (/invalid_request/.test(failed.step) ? ": Nextcloud refused the HPB's backend request — the shared secrets of Talk and the HPB differ" : '') +
          (/invalid_backend/.test(failed.step) ? `: the HPB does not accept ${target.url} as a backend (not in its [backend] backends)` : ''),
      );
    }
    evidence.requireAll([
      [aSeesB, `${a.name} got no room join event for ${b.name}'s session within ${JOIN_EVENT_TIMEOUT_MS} ms`],
      [bSeesA, `${b.name} got no room join event for ${a.name}'s session within ${JOIN_EVENT_TIMEOUT_MS} ms`],
    ]);
  } finally {
    for (const p of people) {
      await p.conn.close();
      if (p.ncSession) await p.ocs.delete(`apps/spreed/api/v4/room/${s.token}/participants/active`, { expect: [200, 404] }).catch(() => {});
    }
    await http2.close();
  }
});
