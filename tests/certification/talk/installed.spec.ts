import { check, test } from '../../../fixtures/index.ts';

const c = check('talk.installed');
/** The APIs this suite and current Talk clients use (talk-reference.md sections 0 and 5). */
const REQUIRED_FEATURES = ['conversation-v4', 'signaling-v3'];

test(c.title, c.details, async ({ target, evidence }) => {
  const { talk, user, status } = target.probe;
  evidence.add('nextcloud', status.versionstring).add('user', user?.id ?? null).add('talk', talk);
  if (!talk.installed) {
    evidence.observed('no `spreed` capabilities');
    evidence.require(false, `Talk is not available to ${user?.id ?? 'the test user'}: ${talk.reason}`);
  }
  const missing = REQUIRED_FEATURES.filter((f) => !talk.features.includes(f));
  evidence.observed(`Talk ${talk.version} with ${talk.features.length} features${missing.length ? `, missing ${missing.join(', ')}` : ''}`);
  evidence.requireAll([
    [Boolean(talk.version), 'the spreed capabilities carry no version'],
    [missing.length === 0, `Talk lacks the features ${missing.join(', ')}: it is older than the API this certification needs (Talk >= 13)`],
  ]);
});
