import type { CheckDefinition } from '../types.ts';

/**
 * The call area: a real Talk call in real browsers, as users make it (issue #4; docs/reference/talk-reference.md
 * sections 2, 4, 6, 7): log in through the login page, open the conversation, "Start call" /
 * "Join call", media both ways, relay through Talk's TURN, interoperability, background blur.
 */

const REQ_CALL =
  'Talk calls are peer-to-peer WebRTC between browsers, set up over Talk\'s signaling; HTTPS is required for WebRTC, and "A TURN server running on port 443 (or 80) is required in almost all scenarios" (Talk system requirements).';
const REQ_BLUR =
  "The web server must serve the .wasm and .tflite files of Talk's background blur like JavaScript and CSS files (Talk >= 13); without application/wasm browsers log a streaming-compile warning (Talk system requirements).";

const SIGNALING_REMEDY =
  "Peers exchange offers, answers and ICE candidates over Talk's signaling: with internal signaling `POST`/`GET /ocs/v2.php/apps/spreed/api/v3/signaling/{token}` " +
  '(a proxy must not buffer or cut these long polls; PHP must not run out of workers), with a high-performance backend its WebSocket. ' +
  "Then media needs a path: Talk's STUN/TURN settings (Administration settings > Talk), coturn reachable on 443 over UDP and TCP, and firewalls that let UDP through between clients or to the TURN server.";

export const CALL_CHECKS = [
  {
    id: 'call.media',
    area: 'call',
    title: "two participants of a Talk call in this browser connect and receive each other's audio and video",
    requirement: REQ_CALL,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion:
      'A logs in, opens the conversation and clicks "Start call", B clicks "Join call"; both peer connections reach `connected` and inbound bytes (getStats) grow on both sides',
    remedy: SIGNALING_REMEDY,
  },
  {
    id: 'call.relay',
    area: 'call',
    title: "with relay forced, a Talk call in this browser carries its media through Talk's TURN server",
    requirement: `${REQ_CALL} Participants behind strict firewalls reach each other only through TURN.`,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion:
      "iceTransportPolicy 'relay' (and Firefox's media.peerconnection.ice.relay_only): both peer connections `connected`, the selected candidate pair's local candidate is `relay` on both sides, inbound bytes grow",
    remedy:
      'Configure a TURN server in Talk that clients can reach (see the turn.* checks): coturn with `use-auth-secret` and the same secret as Talk, on 443, ' +
      "`turn:` over UDP and TCP, and `denied-peer-ip` rules that do not block coturn's own relay addresses (Talk docs/TURN.md).",
  },
  {
    id: 'call.interop',
    area: 'call',
    title: "a Chromium participant and a Firefox participant of a Talk call connect and receive each other's audio and video",
    requirement: `${REQ_CALL} Talk supports Firefox and Chrome/Chromium (system requirements), so a call between them must work.`,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'A in Chromium starts the call, B in Firefox joins; both peer connections `connected`, inbound bytes grow on both sides',
    remedy: `${SIGNALING_REMEDY} When the single-browser calls pass and only this fails, compare the codecs and candidates in the evidence (a TURN server that only one browser can use, e.g. turns: with an untrusted certificate).`,
  },
  {
    id: 'call.blur',
    area: 'call',
    title: 'background blur turns on in a Talk call: the model files load and the effect is active',
    requirement: REQ_BLUR,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion:
      'in the device dialog, Backgrounds > Blur: every .wasm/.tflite request answers HTTP 2xx, no "tflite compilation failed", the Blur button is pressed and the effect is active (app state, frames differ from the unblurred ones)',
    remedy:
      'Serve the blur files as static files: nginx `location ~ \\.(?:css|js|mjs|svg|gif|ico|jpg|png|webp|wasm|tflite|map|ogg|flac)$ { try_files $uri /index.php$request_uri; }` ' +
      "(Nextcloud admin manual); Apache: Nextcloud's .htaccess with AllowOverride All. Check that `<app path>/js/*.wasm` and `*.tflite` exist (see the blur.assets.* checks).",
  },
  {
    id: 'call.blur.streaming',
    area: 'call',
    title: "in a Talk call, the background blur's WebAssembly is compiled by streaming, without Talk's fallback",
    requirement: REQ_BLUR,
    severity: 'should',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: 'no "wasm streaming compile failed" / "falling back to ArrayBuffer instantiation" in the page console while blur loads',
    remedy:
      'Serve .wasm as `application/wasm`: nginx includes a mime.types with `application/wasm wasm;` (or `types { application/wasm wasm; }` in the server block); Apache `AddType application/wasm .wasm`.',
  },
] as const satisfies readonly CheckDefinition[];
