import { hpbUnavailable } from '../../../src/reference/hpb.ts';
import type { ProfileName } from '../../../src/reference/profile-names.ts';
import { PROFILES } from '../../../src/reference/profiles.ts';
import { checkDefinition } from '../../../src/verdict/catalogue.ts';
import { EXIT_NOT_CERTIFIED } from '../../../src/verdict/outcome.ts';
import type { Expectation, FaultRow, FaultTable, RunShape } from './types.ts';

/**
 * The High-Performance Backend checks (issue 13) through the real CLI on the reference platform
 * with the real nextcloud-spreed-signaling 2.0.2 + NATS + Janus (profile hpb) and its faults;
 * Chromium only (talk.hpb.media, the one browser check among them, runs there), @talk only. Each
 * profile asserts only these checks; a check a row does not name must pass. The runs are long
 * (15–90 s each: talk.hpb.idle alone waits 70 s), so this table runs from its own spec,
 * tests/selftest/hpb/faults.spec.ts. Without the HPB (or, for hpb-outdated*, the outdated
 * release) installed, a row's run is skipped with the install command (src/reference/hpb.ts
 * hpbUnavailable). Internal signaling (no HPB: talk.signaling.hpb warns, the talk.hpb.* checks are
 * not-applicable) is asserted on the certification table's good run (certification.ts
 * INTERNAL_SIGNALING), which runs them in both browsers.
 */

const MINE = ['talk.signaling.hpb', 'talk.hpb.welcome', 'talk.hpb.websocket', 'talk.hpb.hello', 'talk.hpb.room', 'talk.hpb.mcu', 'talk.hpb.media', 'talk.hpb.idle'];

/** Chromium, @talk; the HPB's folder (TALK_HPB_DIR), when moved, follows into the run. */
const RUN: RunShape = { browsers: ['chromium'], tags: ['talk'], passEnv: ['TALK_HPB_DIR'] };

/**
 * talk.hpb.idle holds a connection for 70 s. Its verdict is certified by the rows it is about:
 * `hpb` (passes behind nginx's default 60 s timeout), `hpb-proxy-timeout` (fails), and the rows
 * whose earlier failure leaves it not run. A row whose fault lies elsewhere while the HPB accepts
 * hello (wrong secret: v2 only; no MCU; Janus down; the backports release) runs without it: the
 * same 70 s wait on the same nginx would assert nothing `hpb` does not, and cost about a minute
 * of CI each. The run then reports it not run (narrowed by --grep-invert), which the row does not assert.
 */
const IDLE = 'talk.hpb.idle';
/** The spec's title is the catalogue's (fixtures/check.ts); escaped, it is the pattern that leaves the check out. */
const RUN_WITHOUT_IDLE: RunShape = { ...RUN, grepInvert: checkDefinition(IDLE).title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') };

function row(profile: ProfileName, exitCode: number | null, expected: Record<string, Expectation>, opts: { withoutIdle?: boolean } = {}): FaultRow {
  const unavailable = () => {
    const reason = hpbUnavailable(PROFILES[profile].signaling.hpb?.release);
    return reason ? `the HPB is not installed here: ${reason}` : null;
  };
  const [run, checks] = opts.withoutIdle ? [RUN_WITHOUT_IDLE, MINE.filter((id) => id !== IDLE)] : [RUN, MINE];
  return { profile, run, checks, expected, unavailable, ...(exitCode === null ? {} : { exitCode }) };
}

export const HPB_FAULTS: FaultTable = {
  area: 'hpb',
  // A fail or warn carries a remedy, a check that ran its observed value.
  rules: { remedy: true, observed: true },
  spec: 'hpb/faults.spec.ts',
  rows: [
    row('hpb', null, {
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
    }),
    row('hpb-proxy-timeout', EXIT_NOT_CERTIFIED, {
      // nginx cuts the quiet WebSocket after 5 s (code 1006: no close frame); everything that talks within 5 s passes.
      'talk.hpb.idle': {
        verdict: 'fail',
        diagnosis: /closed after [5-9](\.\d)? s \(code 1006\) while idle: .*sooner than the HPB's ping every 54 s/,
        observed: /closed \(code 1006/,
      },
    }),
    row('hpb-http-url', EXIT_NOT_CERTIFIED, {
      'talk.signaling.hpb': { verdict: 'pass', observed: /server http:\/\/[\d.]+\/standalone-signaling\// },
      'talk.hpb.welcome': { verdict: 'fail', diagnosis: /HPB URL http:\/\/.*opens ws:\/\/.*\/spreed, which browsers block as mixed content .*must be https:\/\// },
      'talk.hpb.websocket': { verdict: 'fail', diagnosis: /which browsers block as mixed content .*must be https:\/\//, observed: /blocked by browsers \(mixed content\)/ },
      // In Node the ws:// handshake reaches the platform's port 80, which only redirects to https.
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /did not open \(handshake answered 301; see talk\.hpb\.websocket\)/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join .* at "open the WebSocket/ },
      'talk.hpb.mcu': { verdict: 'not-run' },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    }),
    row('hpb-clock-skew', EXIT_NOT_CERTIFIED, {
      'talk.hpb.welcome': {
        verdict: 'fail',
        diagnosis: /clock differs from Nextcloud's \(the iat of Talk's hello v2 token\) by ~1(79|80|81) s \(the HPB is behind; Talk allows ±45 s, lib\/Signaling\/Manager\.php/,
      },
      // Observed with 2.0.2: hello 1.0 (ticket) is accepted, the v2 token from the HPB's future is refused.
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /refused hello 2\.0 with token_not_valid_yet .*the clocks of Nextcloud and the HPB differ/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /hello 2\.0 answered error token_not_valid_yet/ },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    }),
    row('hpb-no-upgrade', EXIT_NOT_CERTIFIED, {
      'talk.hpb.websocket': { verdict: 'fail', diagnosis: /answered HTTP 400 instead of 101: the request reached the signaling server without the Upgrade\/Connection headers/ },
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /did not open \(handshake answered 400; see talk\.hpb\.websocket\)/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join the conversation through the HPB at "open the WebSocket: the WebSocket to wss:.*did not open"/ },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    }),
    row('hpb-down', EXIT_NOT_CERTIFIED, {
      'talk.hpb.welcome': { verdict: 'fail', diagnosis: /answered HTTP 502 .*the proxy could not reach the signaling server/ },
      'talk.hpb.websocket': { verdict: 'fail', diagnosis: /answered HTTP 502 instead of 101: the proxy could not reach the signaling server/ },
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /did not open \(handshake answered 502/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join .* at "open the WebSocket/ },
      'talk.hpb.mcu': { verdict: 'not-run' },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    }),
    row(
      'hpb-wrong-secret',
      EXIT_NOT_CERTIFIED,
      {
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
      { withoutIdle: true },
    ),
    row('hpb-url-not-allowed', EXIT_NOT_CERTIFIED, {
      'talk.hpb.hello': { verdict: 'fail', diagnosis: /refused hello 1\.0 with invalid_backend .*not in its \[backend\] backends.*refused hello 2\.0 with invalid_backend/ },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join .* at "hello 2\.0: hello 2\.0 answered error invalid_backend.*not in its \[backend\] backends/ },
      'talk.hpb.media': { verdict: 'not-run' },
      'talk.hpb.idle': { verdict: 'not-run' },
    }),
    row(
      'hpb-no-mcu',
      null,
      {
        'talk.hpb.mcu': { verdict: 'warn', diagnosis: /announces no MCU: .*mesh/ },
        'talk.hpb.media': { verdict: 'not-run' },
      },
      { withoutIdle: true },
    ),
    // Janus stopped after the signaling server connected: the welcome still says mcu, only media shows it.
    row(
      'hpb-janus-down',
      EXIT_NOT_CERTIFIED,
      {
        'talk.hpb.media': {
          verdict: 'fail',
          diagnosis: /the MCU did not take alice's camera: .*could not set up the publisher in its MCU \(Janus stopped or unreachable/,
          observed: /stopped at offer/,
        },
      },
      { withoutIdle: true },
    ),
    // Debian 12 (bookworm)'s 0.4.1, as observed: welcome version "unreleased" with only audio-video-permissions,
    // mcu, simulcast; no welcome message on the WebSocket and bye hello_timeout + close 2 s after it opened,
    // before Talk's client sends hello (it waits 3 s for a welcome).
    row('hpb-outdated', EXIT_NOT_CERTIFIED, {
      'talk.hpb.welcome': {
        verdict: 'fail',
        diagnosis:
          /lacks features Talk requires: federation, incall-all, hello-v2, switchto \(Talk: "update required"; version unreleased; .*"Error: Running version: unreleased; Server needs to be updated/,
        observed: /HTTP 200, version unreleased, features audio-video-permissions mcu simulcast,/,
      },
      'talk.hpb.hello': {
        verdict: 'fail',
        diagnosis:
          /no hello answer to hello 1\.0 \(.*bye "hello_timeout" \d\.\d s after it opened before (our hello|an answer to hello).*sends no welcome message .*can never connect; the HPB is too old/,
        observed: /hello 2\.0 not offered/,
      },
      'talk.hpb.room': { verdict: 'fail', diagnosis: /alice could not join the conversation through the HPB at "hello 1\.0: the socket closed .*bye "hello_timeout"/ },
      'talk.hpb.mcu': { verdict: 'pass', observed: /feature mcu announced \(mcu, simulcast\)/ },
      'talk.hpb.idle': { verdict: 'not-run', reason: /did not accept hello 1\.0 .*hello_timeout.*see talk\.hpb\.hello/ },
      'talk.hpb.media': { verdict: 'not-run', reason: /could not join the conversation through the HPB in the browser at "/ },
    }),
    // bookworm-backports' 1.2.4, as observed: everything but federation (and the optional join-features,
    // chat-relay, changed-users); no check here needs federation, so hello, room and mcu pass (idle: see IDLE).
    row(
      'hpb-outdated-backports',
      EXIT_NOT_CERTIFIED,
      {
        'talk.hpb.welcome': {
          verdict: 'fail',
          diagnosis: /lacks features Talk requires: federation \(Talk: "update required"; version 1\.2\.4-[^;]*; .*"Error: Running version: 1\.2\.4-.*; Server needs to be updated/,
          observed: /HTTP 200, version 1\.2\.4-.*hello-v2.*\(Talk would call an update optional for: join-features, chat-relay, changed-users\)/,
        },
        'talk.hpb.hello': { verdict: 'pass', observed: /hello 1\.0: session given for alice; hello 2\.0: session given for alice/ },
      },
      { withoutIdle: true },
    ),
  ],
};
