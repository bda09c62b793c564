import { check, test } from '../../../fixtures/index.ts';
import { FOUR_BYTE_PROBE, utf8mb4Setting } from '../../../src/talk/database.ts';

const c = check('database.utf8mb4');
const CHAT_PATH = 'apps/spreed/api/v1/chat';

/** Code points, for evidence an operator can read when a character came back mangled. */
const codePoints = (s: string) => [...s].map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`).join(' ');

test(c.title, c.details, async ({ target, serverInfo, conversations, ocs, evidence }) => {
  const { talk } = target.probe;
  if (!talk.installed) evidence.notRun(`Talk is not available to the test user (${talk.reason}); see talk.installed`);

  // What the server says about itself, where it is visible; the verdict rests on the round trip.
  const setting = serverInfo.visible ? utf8mb4Setting(serverInfo.system) : null;
  const dbType = serverInfo.visible ? serverInfo.database.type : null;
  evidence.add('probe', { text: FOUR_BYTE_PROBE, codePoints: codePoints(FOUR_BYTE_PROBE) }).add('databaseType', dbType);
  evidence.add(
    'mysql.utf8mb4',
    setting ?? (serverInfo.visible ? 'not visible (serverinfo does not publish it; read it with `occ config:system:get mysql.utf8mb4`)' : `not visible (${serverInfo.reason})`),
  );

  const name = conversations.nameFor(`utf8mb4-${FOUR_BYTE_PROBE}`);
  const created = await test.step('create a conversation whose name has 4-byte characters', () => conversations.tryCreate(name));
  evidence.add('createConversation', { status: created.status, name: created.conversation?.name ?? null, body: created.conversation ? undefined : created.data });
  let sent: { status: number; message: string | null } | null = null;
  let readBack: string | null = null;
  let fallbackToken: string | null = null;
  if (!created.conversation) {
    // The name was rejected: still try the chat message, in a conversation with a plain name.
    fallbackToken = (await conversations.create({ label: 'utf8mb4' })).token;
  }
  const token = created.conversation?.token ?? fallbackToken!;
  const text = `talk-certify utf8mb4 ${FOUR_BYTE_PROBE}`;
  await test.step('send and read back a chat message with 4-byte characters', async () => {
    const res = await ocs.post<{ id?: number; message?: string }>(`${CHAT_PATH}/${token}`, { message: text }, { expect: [201, 400, 413, 500] });
    sent = { status: res.status, message: res.status === 201 ? (res.data.message ?? null) : null };
    if (res.status === 201) {
      const history = await ocs.get<{ id: number; message: string; messageType: string }[]>(`${CHAT_PATH}/${token}?lookIntoFuture=0&limit=10`, { expect: [200] });
      readBack = history.data.find((m) => m.id === res.data.id)?.message ?? null;
    }
  });
  const s = sent as { status: number; message: string | null } | null;
  evidence.add('chatMessage', { sent: text, status: s?.status ?? null, echoed: s?.message ?? null, readBack, readBackCodePoints: readBack ? codePoints(readBack) : null });

  const nameOk = created.conversation !== null && created.conversation.name === name;
  const messageOk = readBack === text;
  evidence.observed(
    `conversation name: ${created.conversation ? (nameOk ? 'round-trips' : 'mangled') : `rejected (HTTP ${created.status})`}; ` +
      `chat message: ${s?.status === 201 ? (messageOk ? 'round-trips' : 'mangled') : `rejected (HTTP ${s?.status})`}; mysql.utf8mb4: ${setting ?? 'not visible'}`,
  );
  const noSupport = 'the database cannot store 4-byte UTF-8 (a utf8mb3 MySQL/MariaDB schema without `mysql.utf8mb4`)';
  evidence.requireAll([
    [created.conversation !== null, `a conversation name with ${codePoints(FOUR_BYTE_PROBE)} was rejected with HTTP ${created.status}: ${noSupport}`],
    [created.conversation === null || nameOk, `the conversation name came back as "${created.conversation?.name}" instead of "${name}"`],
    [s?.status === 201, `a chat message with ${codePoints(FOUR_BYTE_PROBE)} was rejected with HTTP ${s?.status}: ${noSupport}`],
    [s?.status !== 201 || messageOk, `the chat message came back as ${readBack === null ? 'nothing' : `"${readBack}" (${codePoints(readBack)})`} instead of "${text}"`],
  ]);
  if (setting === false && dbType === 'mysql') evidence.require(false, 'the round trip worked but the server reports `mysql.utf8mb4` false');
});
