import { check, test } from '../../../fixtures/index.ts';

const c = check('talk.signaling.hpb');

/**
 * Talk's own words for internal signaling: docs/system-requirements.md ("Server") and its
 * setup check for the High-performance backend.
 */
const INTERNAL_SIGNALING_NOTE =
  'Talk\'s system requirements: "By default Talk will use its integrated signalling server, which works just fine for small and medium installations"; ' +
  'its setup check: without the High-performance backend Talk "only scales for very small calls (max. 2-3 participants)"';

test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  const { talk } = target.probe;
  if (!talk.installed) evidence.notRun(`Talk is not available to the test user (${talk.reason}); see talk.installed`);
  // Created here, not as a fixture: without Talk there is nothing to create (the check is not run).
  const conversation = await conversations.create({ label: 'signaling' });
  const res = await test.step('read the signaling settings of a conversation', () =>
    ocs.get<{ signalingMode?: string; server?: string; hideWarning?: boolean }>(`apps/spreed/api/v3/signaling/settings?token=${encodeURIComponent(conversation.token)}`, {
      expect: [200],
    }));
  const mode = res.data.signalingMode ?? '(none)';
  const server = res.data.server ?? '';
  evidence
    .add('signalingMode', mode)
    .add('server', server)
    .add('hideWarning', res.data.hideWarning ?? null)
    .add('talk', talk.version);
  evidence.observed(`signalingMode ${mode}${server ? `, server ${server}` : ', no signaling server'}`);
  const hpb = (mode === 'external' || mode === 'conversation_cluster') && server !== '';
  if (mode === 'internal') evidence.require(false, `Talk uses its internal signaling. ${INTERNAL_SIGNALING_NOTE}`);
  evidence.require(hpb, `signalingMode "${mode}" without a usable high-performance backend (server "${server}")`);
});
