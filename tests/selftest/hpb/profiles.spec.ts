import { expect, test } from '@playwright/test';
import { hpbUnavailable } from '../../../src/reference/hpb.ts';
import type { ProfileName } from '../../../src/reference/profile-names.ts';
import { PROFILES } from '../../../src/reference/profiles.ts';
import type { Verdict } from '../../../src/verdict/types.ts';
import { type CertifyRun, runCertify } from '../certification/run-certify.ts';

/**
 * The High-Performance Backend checks (issue 13) through the real CLI on the reference platform
 * with the real nextcloud-spreed-signaling 2.0.2 + NATS + Janus (profile hpb) and its faults;
 * Chromium only (talk.hpb.media, the one browser check among them, runs there), @talk only. Each
 * profile asserts only these checks.
 */

const MINE = ['talk.signaling.hpb', 'talk.hpb.welcome', 'talk.hpb.websocket', 'talk.hpb.hello', 'talk.hpb.room', 'talk.hpb.mcu', 'talk.hpb.media', 'talk.hpb.idle'];
type Expectation = { verdict: Verdict; diagnosis?: RegExp; observed?: RegExp; reason?: RegExp };

const NOT_APPLICABLE = { verdict: 'not-applicable' } as const;

const CASES: { profile: string; exitCode?: number; expected: Record<string, Expectation> }[] = [
  {
    profile: 'hpb',
    expected: {
      'talk.signaling.hpb': { verdict: 'pass', observed: /signalingMode external, server https:\/\/[\d.]+\/standalone-signaling\// },
      'talk.hpb.welcome': { verdict: 'pass', observed: /HTTP 200, version 2\.0\.2.*hello-v2.*clock offset -?\d+ s/ },
      'talk.hpb.websocket': { verdict: 'pass', observed: /HTTP 101 Switching Protocols/ },
      'talk.hpb.hello': { verdict: 'pass', observed: /hello 1\.0: session given for alice; hello 2\.0: session given for alice/ },
      'talk.hpb.room': { verdict: 'pass', observed: /alice: joined; bob: joined; alice sees bob: true, bob sees alice: true/ },
      'talk.hpb.mcu': { verdict: 'pass', observed: /feature mcu announced \(mcu, simulcast, update-sdp\)/ },
      // Janus on the namespace's veth: host candidates reach it; the fake camera's 640x480.
      'talk.hpb.media': {
        verdict: 'pass',
        observed:
          /^video through the MCU: publisher's offer answered in \d+ ms .*ICE (connected|completed) host→host udp .*[1-9]\d* frame\(s\) decoded at 640x480 \(video\/\w+\), first \d+ ms after requestoffer; video element 640x480 playing/,
      },
      // nginx's default 60 s timeout, kept alive by the HPB's ping every 54 s.
      'talk.hpb.idle': { verdict: 'pass', observed: /still open after 7\d(\.\d)? s idle \([1-9]\d* ping\(s\) from the HPB answered\); bye answered in \d+ ms/ },
    },
  },
  {
    profile: 'hpb-proxy-timeout',
    exitCode: 1,
    expected: {
      // nginx cuts the quiet WebSocket after 5 s (code 1006: no close frame); everything that talks within 5 s passes.
      'talk.hpb.idle': {
        verdict: 'fail',
        diagnosis: /closed after [5-9](\.\d)? s \(code 1006\) while idle: .*sooner than the HPB's ping every 54 s/,
        observed: /closed \(code 1006/,
      },
    },
  },
  {
    profile: 'hpb-http-url',
    exitCode: 1,
    expected: {
      'talk.signaling.hpb': { verdict: 'pass', observed: /server http:\/\/[\d.]+\/standalone-signaling\// },
      'talk.hpb.welcome': { verdict: 'fail', diagnosis: /HPB URL http:\/\/.*opens ws:\/\/.*\/spreed, which browsers block as mixed content .*must be https:\/\// },
      'talk.hpb.websocket': { verdict: 'fail', diagnosis: /which browsers block as mixed content .*must be https:\/\//, observed: /blocked by browsers \(mixed content\)/ },
      // In Node the ws:// handshake reaches the platform's port 80, which only redirects to https.
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /did not open \(handshake answered 301; see talk\.hpb\.websocket\)/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join .* at "open the WebSocket/ },
      'talk.hpb.mcu': { verdict: 'not-run' },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    },
  },
  {
    profile: 'hpb-clock-skew',
    exitCode: 1,
    expected: {
      'talk.hpb.welcome': {
        verdict: 'fail',
        diagnosis: /clock differs from Nextcloud's \(the iat of Talk's hello v2 token\) by ~1(79|80|81) s \(the HPB is behind; Talk allows ±45 s, lib\/Signaling\/Manager\.php/,
      },
      // Observed with 2.0.2: hello 1.0 (ticket) is accepted, the v2 token from the HPB's future is refused.
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /refused hello 2\.0 with token_not_valid_yet .*the clocks of Nextcloud and the HPB differ/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /hello 2\.0 answered error token_not_valid_yet/ },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    },
  },
  {
    profile: 'hpb-no-upgrade',
    exitCode: 1,
    expected: {
      'talk.hpb.websocket': { verdict: 'fail', diagnosis: /answered HTTP 400 instead of 101: the request reached the signaling server without the Upgrade\/Connection headers/ },
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /did not open \(handshake answered 400; see talk\.hpb\.websocket\)/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join the conversation through the HPB at "open the WebSocket: the WebSocket to wss:.*did not open"/ },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    },
  },
  {
    profile: 'hpb-down',
    exitCode: 1,
    expected: {
      'talk.hpb.welcome': { verdict: 'fail', diagnosis: /answered HTTP 502 .*the proxy could not reach the signaling server/ },
      'talk.hpb.websocket': { verdict: 'fail', diagnosis: /answered HTTP 502 instead of 101: the proxy could not reach the signaling server/ },
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /did not open \(handshake answered 502/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join .* at "open the WebSocket/ },
      'talk.hpb.mcu': { verdict: 'not-run' },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    },
  },
  {
    profile: 'hpb-wrong-secret',
    exitCode: 1,
    expected: {
      // v2 tokens are checked with Talk's public key, without a backend request: only v1 shows the secret.
      'talk.hpb.hello': {
        verdict: 'fail',
        diagnosis: /refused hello 1\.0 with invalid_request .*the shared secrets of Talk and the HPB differ/,
        observed: /hello 2\.0: session given/,
      },
      // Talk's client says hello 2.0 (no backend request), then the room join needs Nextcloud's backend: refused.
      'talk.hpb.room': {
        verdict: 'fail',
        diagnosis: /alice could not join the conversation through the HPB at "join the signaling room: .*invalid_request.*the shared secrets of Talk and the HPB differ/,
      },
      'talk.hpb.media': { verdict: 'not-run' },
    },
  },
  {
    profile: 'hpb-url-not-allowed',
    exitCode: 1,
    expected: {
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /refused hello 1\.0 with invalid_backend .*not in its \[backend\] backends.*refused hello 2\.0 with invalid_backend/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join .* at "hello 2\.0: hello 2\.0 answered error invalid_backend.*not in its \[backend\] backends/ },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    },
  },
  {
    profile: 'hpb-no-mcu',
    expected: {
      'talk.hpb.mcu': { verdict: 'warn', diagnosis: /announces no MCU: .*mesh/ },
      'talk.hpb.media': { verdict: 'not-run' },
    },
  },
  {
    // Janus stopped after the signaling server connected: the welcome still says mcu, only media shows it.
    profile: 'hpb-janus-down',
    exitCode: 1,
    expected: {
      'talk.hpb.media': {
        verdict: 'fail',
        diagnosis: /the MCU did not take alice's camera: .*could not set up the publisher in its MCU \(Janus stopped or unreachable/,
        observed: /stopped at offer/,
      },
    },
  },
  // Debian 12 (bookworm)'s 0.4.1, as observed: welcome version "unreleased" with only audio-video-permissions,
  // mcu, simulcast; no welcome message on the WebSocket and bye hello_timeout + close 2 s after it opened,
  // before Talk's client sends hello (it waits 3 s for a welcome).
  {
    profile: 'hpb-outdated',
    exitCode: 1,
    expected: {
      'talk.hpb.welcome': {
        verdict: 'fail',
        diagnosis:
          /lacks features Talk requires: federation, incall-all, hello-v2, switchto \(Talk: "update required"; version unreleased; .*"Error: Running version: unreleased; Server needs to be updated/,
        observed: /HTTP 200, version unreleased, features audio-video-permissions mcu simulcast,/,
      },
      'talk.hpb.hello': {
        verdict: 'fail',
        diagnosis:
          /no hello answer to hello 1\.0 \(.*bye "hello_timeout" [12]\.\d s after it opened before our hello.*sends no welcome message .*can never connect; the HPB is too old/,
        observed: /hello 2\.0 not offered/,
      },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join the conversation through the HPB at "hello 1\.0: the socket closed .*bye "hello_timeout"/ },
      'talk.hpb.mcu': { verdict: 'pass', observed: /feature mcu announced \(mcu, simulcast\)/ },
      'talk.hpb.idle': { verdict: 'not-run', reason: /did not accept hello 1\.0 .*hello_timeout.*see talk\.hpb\.hello/ },
      'talk.hpb.media': { verdict: 'not-run', reason: /could not join the conversation through the HPB in the browser at "/ },
    },
  },
  // bookworm-backports' 1.2.4, as observed: everything but federation (and the optional join-features,
  // chat-relay, changed-users); no check here needs federation, so hello, room, mcu and idle pass.
  {
    profile: 'hpb-outdated-backports',
    exitCode: 1,
    expected: {
      'talk.hpb.welcome': {
        verdict: 'fail',
        diagnosis: /lacks features Talk requires: federation \(Talk: "update required"; version 1\.2\.4-[^;]*; .*"Error: Running version: 1\.2\.4-.*; Server needs to be updated/,
        observed: /HTTP 200, version 1\.2\.4-.*hello-v2.*\(Talk would call an update optional for: join-features, chat-relay, changed-users\)/,
      },
      'talk.hpb.hello': { verdict: 'pass', observed: /hello 1\.0: session given for alice; hello 2\.0: session given for alice/ },
    },
  },
  // Internal signaling: no HPB to test; talk.signaling.hpb keeps its warning.
  {
    profile: 'good',
    expected: {
      'talk.signaling.hpb': { verdict: 'warn', diagnosis: /internal signaling/ },
      'talk.hpb.welcome': NOT_APPLICABLE,
      'talk.hpb.websocket': NOT_APPLICABLE,
      'talk.hpb.hello': NOT_APPLICABLE,
      'talk.hpb.room': NOT_APPLICABLE,
      'talk.hpb.mcu': NOT_APPLICABLE,
      'talk.hpb.media': NOT_APPLICABLE,
      'talk.hpb.idle': NOT_APPLICABLE,
    },
  },
];

for (const c of CASES) {
  test.describe(`HPB checks on reference profile ${c.profile}`, () => {
    let run: CertifyRun;
    test.beforeAll(async () => {
      const unavailable = c.profile.startsWith('hpb') ? hpbUnavailable(PROFILES[c.profile as ProfileName].signaling.hpb?.release) : null;
      if (unavailable) {
        console.log(`[selftest] skipping profile ${c.profile}: ${unavailable}`);
        test.skip(true, `the HPB is not installed here: ${unavailable}`);
      }
      // runCertify passes no TALK_* variable of ours on: the HPB's folder, when moved, must follow.
      const hpbDir: Record<string, string> = process.env['TALK_HPB_DIR'] ? { TALK_HPB_DIR: process.env['TALK_HPB_DIR'] } : {};
      run = await runCertify({ TALK_PROFILE: c.profile, TALK_BROWSERS: 'chromium', ...hpbDir }, ['--', '--grep', '@talk']);
    });

    test('each HPB check has the expected verdict, diagnosis and evidence', () => {
      const problems: string[] = [];
      if (c.exitCode !== undefined && run.exitCode !== c.exitCode) problems.push(`exit code ${run.exitCode}, expected ${c.exitCode}`);
      for (const id of MINE) {
        const found = run.report.checks.filter((ch) => ch.id === id);
        if (found.length !== 1) {
          problems.push(`${id}: ${found.length} results`);
          continue;
        }
        const check = found[0]!;
        const want = c.expected[id] ?? { verdict: 'pass' };
        if (check.verdict !== want.verdict) problems.push(`${id}: expected ${want.verdict}, got ${check.verdict} — ${check.diagnosis ?? check.reason ?? check.observed}`);
        else if (want.diagnosis && !want.diagnosis.test(check.diagnosis ?? '')) problems.push(`${id}: diagnosis "${check.diagnosis}" does not match ${want.diagnosis}`);
        if (want.observed && !want.observed.test(check.observed ?? '')) problems.push(`${id}: observed "${check.observed}" does not match ${want.observed}`);
        if (want.reason && !want.reason.test(check.reason ?? '')) problems.push(`${id}: reason "${check.reason}" does not match ${want.reason}`);
        if (check.verdict === 'not-applicable' && !/internal signaling/.test(check.reason ?? ''))
          problems.push(`${id}: not-applicable without the internal-signaling reason (${check.reason})`);
        if (check.verdict === 'fail' && !check.remedy) problems.push(`${id}: fail without a remedy`);
        if (check.verdict !== 'not-run' && check.verdict !== 'not-applicable' && !check.observed) problems.push(`${id}: no observed value`);
      }
      expect(problems, run.output).toEqual([]);
    });
  });
}
