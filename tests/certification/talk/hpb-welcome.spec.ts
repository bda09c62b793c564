import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from '../../../fixtures/hpb.ts';
import { HPB_ALLOWED_TIME_OFFSET_S, HPB_OPTIONAL_FEATURES, HPB_REQUIRED_FEATURES, fetchWelcome } from '../../../src/talk/hpb-client.ts';

const c = check('talk.hpb.welcome');

/** Talk's own HPB test (spreed lib/Signaling/Manager.php checkServerCompatibility), over the URL Talk hands clients. */
test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  const { server } = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-welcome');
  const w = await test.step('GET <server>/api/v1/welcome', () => fetchWelcome(server, target.caFile));
  const missing = HPB_REQUIRED_FEATURES.filter((f) => !w.features.includes(f));
  const optionalMissing = HPB_OPTIONAL_FEATURES.filter((f) => !w.features.includes(f));
  evidence
    .add('url', w.url)
    .add('status', w.status)
    .add('version', w.version ?? null)
    .add('features', w.features)
    .add('requiredMissing', missing)
    .add('optionalMissing', optionalMissing)
    .add('clockOffsetS', w.clockOffsetS ?? null)
    .add('body', w.body);
  if (w.status === null) {
    evidence.observed(`no answer from ${w.url}: ${w.error}`);
    evidence.require(false, `GET ${w.url} failed (${w.error}): the HPB is not reachable at the URL Talk hands clients`);
  }
  evidence.observed(
    `HTTP ${w.status}${w.version ? `, version ${w.version}` : ', no version'}, features ${w.features.length ? w.features.join(' ') : '(none)'}` +
      `${w.clockOffsetS !== undefined ? `, clock offset ${w.clockOffsetS} s` : ''}${optionalMissing.length ? ` (Talk would call an update optional for: ${optionalMissing.join(', ')})` : ''}`,
  );
  if (w.status !== 200) {
    evidence.require(
      false,
      `GET ${w.url} answered HTTP ${w.status} (${w.body.replace(/\s+/g, ' ').slice(0, 120)}), not the HPB's welcome: ` +
        (w.status === 502 || w.status === 503 || w.status === 504 ? 'the proxy could not reach the signaling server (not running, or a wrong upstream address)' : 'the proxy does not pass this path to the signaling server'),
    );
  }
  evidence.requireAll([
    [w.version !== undefined, `the welcome JSON has no \`version\` (Talk: "update required"): ${w.body.slice(0, 120)}`],
    [missing.length === 0, `the HPB lacks features Talk requires: ${missing.join(', ')} (Talk: "update required"; version ${w.version ?? 'unknown'})`],
    [
      w.clockOffsetS === undefined || Math.abs(w.clockOffsetS) <= HPB_ALLOWED_TIME_OFFSET_S,
      `the HPB's clock is ${w.clockOffsetS} s off (Talk allows ${HPB_ALLOWED_TIME_OFFSET_S} s: "time out of sync")`,
    ],
  ]);
});
