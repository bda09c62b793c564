import { check, test } from '../../../fixtures/index.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';

const c = check('talk.installed');
/** The APIs this suite and current Talk clients use (docs/reference/talk-reference.md sections 0 and 5). */
const REQUIRED_FEATURES = ['conversation-v4', 'signaling-v3'];

/**
 * Without `spreed` capabilities for the user, tells "not installed / disabled" from "enabled, but
 * not for this user" where the server lets us: the admin's list of enabled apps. (Anonymous
 * capabilities cannot tell: an app enabled for groups is not loaded for anonymous callers either.)
 */
async function whyNoTalk(admin: OcsClient | null): Promise<{ enabledOnServer: boolean | null; how: string }> {
  if (!admin) return { enabledOnServer: null, how: 'no admin credentials: cannot tell "not installed" from "not enabled for this user"' };
  const res = await admin.get<{ apps?: string[] }>('cloud/apps?filter=enabled', { expect: [200, 401, 403] });
  if (res.status !== 200) return { enabledOnServer: null, how: `the admin's apps list answered HTTP ${res.status}` };
  return { enabledOnServer: (res.data.apps ?? []).includes('spreed'), how: "the admin's list of enabled apps (GET /ocs/v2.php/cloud/apps?filter=enabled)" };
}

test(c.title, c.details, async ({ target, evidence }) => {
  const { talk, user, status } = target.probe;
  evidence
    .add('nextcloud', status.versionstring)
    .add('user', user?.id ?? null)
    .add('talk', talk);
  if (!talk.installed) {
    evidence.observed('no `spreed` capabilities');
    const http = target.admin ? new HttpClient(target.url, { caFile: target.caFile }) : null;
    let why: Awaited<ReturnType<typeof whyNoTalk>>;
    try {
      why = await test.step('ask the admin whether Talk is enabled on the server', () => whyNoTalk(http ? new OcsClient(http, target.admin) : null));
    } finally {
      await http?.close();
    }
    evidence.add('enabledOnServer', why.enabledOnServer).add('enabledOnServerFrom', why.how);
    const who = user?.id ?? 'the test user';
    if (why.enabledOnServer === true) {
      evidence.observed('no `spreed` capabilities for the test user; Talk is enabled on the server');
      evidence.require(
        false,
        `Talk is installed and enabled on the server but not enabled for this user (${who}): the app is limited to groups ` +
          `(\`occ app:enable spreed --groups …\` or Talk's "Limit to groups") that ${who} is not in`,
      );
    }
    if (why.enabledOnServer === false) evidence.observed('no `spreed` capabilities; Talk is not among the enabled apps');
    evidence.require(
      false,
      `Talk is not available to ${who}: ${talk.reason}${why.enabledOnServer === false ? ' — Talk is not installed or not enabled on the server' : ` (${why.how})`}`,
    );
  }
  const missing = REQUIRED_FEATURES.filter((f) => !talk.features.includes(f));
  evidence.observed(`Talk ${talk.version} with ${talk.features.length} features${missing.length ? `, missing ${missing.join(', ')}` : ''}`);
  evidence.requireAll([
    [Boolean(talk.version), 'the spreed capabilities carry no version'],
    [missing.length === 0, `Talk lacks the features ${missing.join(', ')}: it is older than the API this certification needs (Talk >= 13)`],
  ]);
});
