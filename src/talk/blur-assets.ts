/**
 * The files Talk's background blur downloads, per Talk version: the single source of truth for
 * their names, used by the checks (what to fetch) and by the reference platform (what to serve).
 *
 * Talk 13 – 22.0.2: TFLite compiled with Emscripten, in a plain and a SIMD build, and the
 * landscape selfie-segmentation model (spreed:src/utils/media/effects/virtual-background/vendor/,
 * built to `<app>/js/` with their original names: webpack.common.config.js, v19).
 * Talk >= 22.0.3: MediaPipe Tasks Vision (backport of spreed PR #16072, changelog-22.md), whose
 * loader picks `vision_wasm_internal.wasm` or `vision_wasm_nosimd_internal.wasm` with
 * `FilesetResolver.isSimdSupported()`, and the `selfie_segmenter.tflite` model. The RSPack build
 * keeps these names in `js/` (spreed:rspack.config.js); that the release tarball really has them
 * there is not verified (docs/reference/talk-reference.md, "Could not establish").
 */
export interface BlurAsset {
  /** Path relative to the Talk app root (e.g. `/apps/spreed`), e.g. `js/tflite.wasm`. */
  path: string;
  kind: 'wasm' | 'tflite';
  /** A SIMD build: only browsers with WebAssembly SIMD can compile it. */
  simd: boolean;
}

/** First Talk version with background blur. */
const FIRST_BLUR_VERSION = [13, 0, 0] as const;
/** First Talk version on MediaPipe instead of TFLite. */
const MEDIAPIPE_VERSION = [22, 0, 3] as const;

const TFLITE_ASSETS: readonly BlurAsset[] = [
  { path: 'js/tflite.wasm', kind: 'wasm', simd: false },
  { path: 'js/tflite-simd.wasm', kind: 'wasm', simd: true },
  { path: 'js/selfie_segmentation_landscape.tflite', kind: 'tflite', simd: false },
];

const MEDIAPIPE_ASSETS: readonly BlurAsset[] = [
  { path: 'js/vision_wasm_internal.wasm', kind: 'wasm', simd: true },
  { path: 'js/vision_wasm_nosimd_internal.wasm', kind: 'wasm', simd: false },
  { path: 'js/selfie_segmenter.tflite', kind: 'tflite', simd: false },
];

/**
 * `[major, minor, patch]` of a Talk version string as the capabilities publish it
 * (`22.0.2`, `21.1.0-rc.1`, `22.0.10`); missing parts count as 0.
 */
export function parseTalkVersion(version: string): [number, number, number] {
  const m = /^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (!m) throw new Error(`"${version}" is not a Talk version (expected e.g. 22.0.2)`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = v[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** The blur files of a Talk version; empty before Talk 13 (no background blur). */
export function blurAssetsFor(talkVersion: string): BlurAsset[] {
  const v = parseTalkVersion(talkVersion);
  if (!atLeast(v, FIRST_BLUR_VERSION)) return [];
  return (atLeast(v, MEDIAPIPE_VERSION) ? MEDIAPIPE_ASSETS : TFLITE_ASSETS).map((a) => ({ ...a }));
}

/** The only Content-Type WebAssembly streaming compilation accepts. */
export const WASM_MIME = 'application/wasm';

/**
 * Whether `WebAssembly.compileStreaming` / `instantiateStreaming` accept a response with this
 * Content-Type, compared the way the browsers compare it — NOT the MIME type essence (dropping
 * parameters would accept `application/wasm; charset=utf-8`, which every browser rejects):
 *
 * - WebAssembly Web API, "compile a potential WebAssembly response": the `Content-Type` header
 *   value, stripped of leading and trailing HTTP tab or space, must be a byte-case-insensitive
 *   match for `application/wasm` (WPT wasm/webapi/contenttype.any.js rejects `application/wasm;`,
 *   `application/wasm;x` and `application/wasm;charset=UTF-8`, accepts `APPLICATION/WASM`).
 * - Chromium, third_party/blink/renderer/bindings/core/v8/v8_wasm_response_extensions.cc
 *   (StreamFromResponseCallback): `response->ContentType().LowerASCII() != "application/wasm"` →
 *   TypeError "Incorrect response MIME type. Expected 'application/wasm'." — with the comment
 *   "The spec explicitly disallows any extras on the Content-Type header, so we check against
 *   ContentType() rather than MimeType(), which implicitly strips extras."
 * - Firefox, dom/fetch/FetchUtil.cpp (StreamResponseToJS): `response->GetMimeType(mimeType, …)`
 *   then `mimeType.EqualsASCII("application/wasm")`, where FetchBody::GetMimeType
 *   (dom/fetch/Fetch.cpp) is the whole header value lower-cased, void when it holds a comma →
 *   "WebAssembly: Response has unsupported MIME type '…' expected 'application/wasm'".
 *
 * Header values reach both engines already trimmed of surrounding whitespace (HTTP field
 * parsing, Fetch "normalize"), so surrounding whitespace is trimmed here too; anything else
 * (a parameter, a second value, inner whitespace) is rejected.
 */
export function wasmStreamingAccepts(contentType: string | null | undefined): boolean {
  if (contentType === null || contentType === undefined) return false;
  return contentType.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '').toLowerCase() === WASM_MIME;
}

/** Why a Content-Type keeps a .wasm file from streaming compilation, in words; null when it does not. */
export function wasmMimeProblem(contentType: string | null | undefined): string | null {
  if (wasmStreamingAccepts(contentType)) return null;
  if (contentType === null || contentType === undefined || contentType.trim() === '') return 'there is no Content-Type';
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  if (essence === WASM_MIME) {
    return `"${contentType}" carries a parameter, and browsers accept only exactly "${WASM_MIME}" for streaming compilation (Chromium: "Incorrect response MIME type"; Firefox: "Response has unsupported MIME type")`;
  }
  return `"${contentType}" is not ${WASM_MIME}`;
}
