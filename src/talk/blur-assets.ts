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
 * there is not verified (talk-reference.md, "Could not establish").
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
