import type { CheckDefinition } from './types.ts';

/**
 * Every check the suite can certify, as data. Requirement texts quote Talk's
 * docs/system-requirements.md (nextcloud/spreed) unless another source is named.
 * Specs look their definition up by id; the reporter reads it back from the test's annotation,
 * so a check's title, severity and remedy live here and nowhere else.
 */
const REQ_HTTPS = 'HTTPS is required for WebRTC: browsers only grant camera, microphone and peer connections to secure origins (Talk system requirements).';
const REQ_BLUR = "The web server must serve the .wasm and .tflite files of Talk's background blur like JavaScript and CSS files (Talk >= 13); application/wasm is not strictly needed, but without it browsers log a streaming-compile warning (Talk system requirements).";

const NGINX_STATIC_LOCATION =
  'nginx: let the static-file location cover them, as in the Nextcloud admin manual: ' +
  '`location ~ \\.(?:css|js|mjs|svg|gif|ico|jpg|png|webp|wasm|tflite|map|ogg|flac)$ { try_files $uri /index.php$request_uri; }`. ' +
  "Apache: use Nextcloud's shipped .htaccess (AllowOverride All) so the files are served directly.";

export const CHECKS = [
  {
    id: 'https.tls.valid',
    area: 'https',
    title: 'the TLS certificate chain and host name of the Nextcloud URL are valid',
    requirement: REQ_HTTPS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'TLS handshake verified against the system trust store (or TALK_CA_FILE): chain complete, host name matches, not expired',
    remedy:
      'Serve Nextcloud over HTTPS with a certificate for this host name from a CA the clients trust (e.g. Let\'s Encrypt), ' +
      'and send the intermediate chain (nginx: `ssl_certificate` pointing at fullchain.pem; Apache: `SSLCertificateFile` with the full chain). ' +
      'If the platform uses a private CA, give its certificate to this suite with TALK_CA_FILE.',
  },
  {
    id: 'https.http.redirect',
    area: 'https',
    title: 'plain http:// is redirected to https:// or refused',
    requirement: REQ_HTTPS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'http:// answers with a 301/302/307/308 to an https:// URL on the same host, or the connection is refused',
    remedy:
      'Redirect port 80 to HTTPS. nginx: `server { listen 80; server_name cloud.example.com; return 301 https://$host$request_uri; }`; ' +
      'Apache: `<VirtualHost *:80> Redirect permanent / https://cloud.example.com/ </VirtualHost>`.',
  },
  {
    id: 'https.hsts',
    area: 'https',
    title: 'the HTTPS responses carry a Strict-Transport-Security header of at least 180 days',
    requirement: 'Nextcloud hardening guide: enable HTTP Strict Transport Security with a max-age of at least 15552000 seconds.',
    severity: 'should',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'Strict-Transport-Security: max-age >= 15552000',
    remedy:
      'nginx: `add_header Strict-Transport-Security "max-age=15552000; includeSubDomains" always;` in the HTTPS server block; ' +
      'Apache: `Header always set Strict-Transport-Security "max-age=15552000; includeSubDomains"`.',
  },
  {
    id: 'https.browser.secure-context',
    area: 'https',
    title: "Talk's page is a secure context in which getUserMedia and RTCPeerConnection are available",
    requirement: REQ_HTTPS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: 'window.isSecureContext === true, navigator.mediaDevices.getUserMedia and RTCPeerConnection exist',
    remedy:
      'Open Talk only over https:// (see https.tls.valid and https.http.redirect); set `overwriteprotocol` => `https` in config.php ' +
      'when a reverse proxy terminates TLS, so that Nextcloud generates https:// links.',
  },
  {
    id: 'browser.supported',
    area: 'browser',
    title: "the browser's version is in Talk's supported range",
    requirement:
      'Browsers: recommended Firefox and Chrome/Chromium latest; supported Firefox/Firefox ESR 52 or later, Chrome/Chromium 49 or later, Edge latest, Safari 13 or later (Talk system requirements).',
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: 'Chromium >= 49, Firefox/ESR >= 52, Edge (Chromium) >= 79, Safari/WebKit >= 13',
    remedy: 'Update the browser; Talk recommends the latest Firefox or Chrome/Chromium. Participants on older browsers cannot join calls reliably.',
  },
  {
    id: 'talk.installed',
    area: 'talk',
    title: 'Talk (spreed) is installed and enabled for the test user',
    requirement: 'Nextcloud Talk must be installed and enabled; its capabilities are published under `spreed` (Talk capabilities documentation).',
    severity: 'must',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'capabilities contain `spreed` with a version and the features `conversation-v4`, `signaling-v3`',
    remedy:
      'Install and enable Talk: `occ app:install spreed` (or `occ app:enable spreed`). If it is installed, check that the test user is in ' +
      'the groups Talk is limited to (Administration settings > Talk > Limit to groups).',
  },
  {
    id: 'blur.assets.wasm.served',
    area: 'blur',
    title: "the background blur's WebAssembly files are served",
    requirement: REQ_BLUR,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'every .wasm file of the Talk version answers 200 with a non-empty WebAssembly module (magic \\0asm)',
    remedy: NGINX_STATIC_LOCATION,
  },
  {
    id: 'blur.assets.wasm.mime',
    area: 'blur',
    title: "the background blur's WebAssembly files are served as application/wasm",
    requirement: REQ_BLUR,
    severity: 'should',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'Content-Type: application/wasm',
    remedy:
      'nginx: make sure the server includes a mime.types with `application/wasm wasm;` (nginx >= 1.21 ships it) or add ' +
      '`types { application/wasm wasm; }` to the Nextcloud server block; Apache: `AddType application/wasm .wasm`.',
  },
  {
    id: 'blur.assets.tflite.served',
    area: 'blur',
    title: "the background blur's TFLite segmentation model is served",
    requirement: REQ_BLUR,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'the .tflite model answers 200 with a non-empty TFLite flatbuffer (file identifier TFL3)',
    remedy: NGINX_STATIC_LOCATION,
  },
  {
    id: 'blur.browser.wasm-compiles',
    area: 'blur',
    title: "the browser can compile the background blur's WebAssembly",
    requirement: REQ_BLUR,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: 'WebAssembly.compileStreaming, or the ArrayBuffer fallback Talk uses, compiles every .wasm file',
    remedy: NGINX_STATIC_LOCATION,
  },
  {
    id: 'blur.browser.wasm-streaming',
    area: 'blur',
    title: "the browser compiles the background blur's WebAssembly by streaming, without the fallback",
    requirement: REQ_BLUR,
    severity: 'should',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: 'WebAssembly.compileStreaming succeeds; no "wasm streaming compile failed" fallback',
    remedy:
      'Serve .wasm as application/wasm (see blur.assets.wasm.mime); streaming compilation also fails when a proxy rewrites ' +
      'or compresses the response in a way the browser cannot stream.',
  },
] as const satisfies readonly CheckDefinition[];

export type CheckId = (typeof CHECKS)[number]['id'];

const BY_ID: ReadonlyMap<string, CheckDefinition> = new Map(CHECKS.map((c) => [c.id, c]));

export function checkDefinition(id: CheckId): CheckDefinition {
  const def = BY_ID.get(id);
  if (!def) throw new Error(`unknown check id "${id}"`);
  return def;
}

export function isCheckId(id: string): id is CheckId {
  return BY_ID.has(id);
}
