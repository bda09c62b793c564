import type { CheckDefinition } from '../types.ts';

const REQ_BLUR =
  "The web server must serve the .wasm and .tflite files of Talk's background blur like JavaScript and CSS files (Talk >= 13); application/wasm is not strictly needed, but without it browsers log a streaming-compile warning (Talk system requirements).";

const NGINX_STATIC_LOCATION =
  'nginx: let the static-file location cover them, as in the Nextcloud admin manual: ' +
  '`location ~ \\.(?:css|js|mjs|svg|gif|ico|jpg|png|webp|wasm|tflite|map|ogg|flac)$ { try_files $uri /index.php$request_uri; }`. ' +
  "Apache: use Nextcloud's shipped .htaccess (AllowOverride All) so the files are served directly.";

/** The blur area (conventions: see ../catalogue.ts). */
export const BLUR_CHECKS = [
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
    criterion: 'Content-Type exactly application/wasm (case-insensitive, no parameter such as charset): what WebAssembly.compileStreaming accepts in Chromium and Firefox',
    remedy:
      'nginx: make sure the server includes a mime.types with `application/wasm wasm;` (nginx >= 1.21 ships it) or add ' +
      '`types { application/wasm wasm; }` to the Nextcloud server block; Apache: `AddType application/wasm .wasm`. ' +
      'No charset on it: remove application/wasm from nginx `charset_types` (or do not set `charset_types *`), Apache `AddCharset`/`AddDefaultCharset` must not cover .wasm, ' +
      'and no `add_header`/`Header set Content-Type` that appends `; charset=…` — browsers refuse any parameter.',
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
