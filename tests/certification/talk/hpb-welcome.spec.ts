import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from './hpb.ts';
import { HPB_ALLOWED_TIME_OFFSET_S, HPB_OPTIONAL_FEATURES, HPB_REQUIRED_FEATURES, fetchWelcome, mixedContent, tokenIssuedAt } from '../../../src/talk/hpb-client.ts';

const c = check('talk.hpb.welcome');

/** Talk's own HPB test (spreed lib/Signaling/Manager.php checkServerCompatibility), over the URL Talk hands clients. */
test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  const { server, helloAuthParams, fetchedAt } = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-welcome');
  const w = await test.step('GET <server>/api/v1/welcome', () => fetchWelcome(server, target.caFile));
  // Talk compares the HPB's Date with Nextcloud's clock (Manager.php checkServerCompatibility, ±Config::ALLOWED_BACKEND_TIMEOFFSET);
  // a client sees Nextcloud's clock in the hello v2 token's iat. Without a token: our clock.
  const iat = tokenIssuedAt((helloAuthParams['2.0'] as { token?: unknown } | undefined)?.token);
  const nextcloudOffsetS = iat === null ? undefined : Math.round(iat - fetchedAt / 1000);
  const hpbVsNextcloudS = w.clockOffsetS === undefined ? undefined : nextcloudOffsetS === undefined ? w.clockOffsetS : w.clockOffsetS - nextcloudOffsetS;
  const insecure = mixedContent(target.url, server);
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
    .add('nextcloudClockOffsetS', nextcloudOffsetS ?? null)
    .add('hpbMinusNextcloudS', hpbVsNextcloudS ?? null)
    .add('body', w.body);
  if (insecure) {
    evidence.observed(`HPB URL ${server} on ${target.url}; GET ${w.url}: ${w.status === null ? w.error : `HTTP ${w.status}`}`);
    evidence.require(false, insecure);
  }
  if (w.status === null) {
    evidence.observed(`no answer from ${w.url}: ${w.error}`);
    evidence.require(false, `GET ${w.url} failed (${w.error}): the HPB is not reachable at the URL Talk hands clients`);
  }
  evidence.observed(
    `HTTP ${w.status}${w.version ? `, version ${w.version}` : ', no version'}, features ${w.features.length ? w.features.join(' ') : '(none)'}` +
      `${w.clockOffsetS !== undefined ? `, clock offset ${w.clockOffsetS} s` : ''}${hpbVsNextcloudS !== undefined && nextcloudOffsetS !== undefined ? ` (HPB minus Nextcloud ${hpbVsNextcloudS} s)` : ''}${optionalMissing.length ? ` (Talk would call an update optional for: ${optionalMissing.join(', ')})` : ''}`,
  );
  if (w.status !== 200) {
    evidence.require(
      false,
      `GET ${w.url} answered HTTP ${w.status} (${w.body.replace(/\s+/g, ' ').slice(0, 120)}), not the HPB's welcome: ` +
        (w.status === 502 || w.status === 503 || w.status === 504
          ? 'the proxy could not reach the signaling server (not running, or a wrong upstream address)'
          : 'the proxy does not pass this path to the signaling server'),
    );
  }
  evidence.requireAll([
    [w.version !== undefined, `the welcome JSON has no \`version\` (Talk: "update required"): ${w.body.slice(0, 120)}`],
    [
      missing.length === 0,
      // Talk's setup check words it (spreed lib/SetupCheck/HighPerformanceBackend.php, UPDATE_REQUIRED from Manager.php isCompatibleSignalingServer).
      `the HPB lacks features Talk requires: ${missing.join(', ')} (Talk: "update required"; version ${w.version ?? 'unknown'}; Talk's setup check: ` +
        `"Error: Running version: ${w.version ?? 'Could not get version'}; Server needs to be updated to be compatible with this version of Talk")`,
    ],
    [
      hpbVsNextcloudS === undefined || Math.abs(hpbVsNextcloudS) <= HPB_ALLOWED_TIME_OFFSET_S,
      `the HPB's clock differs from ${nextcloudOffsetS === undefined ? 'ours' : "Nextcloud's (the iat of Talk's hello v2 token)"} by ~${Math.abs(hpbVsNextcloudS ?? 0)} s ` +
        `(the HPB is ${(hpbVsNextcloudS ?? 0) < 0 ? 'behind' : 'ahead'}; Talk allows ±${HPB_ALLOWED_TIME_OFFSET_S} s, lib/Signaling/Manager.php: "time out of sync")`,
    ],
  ]);
});
