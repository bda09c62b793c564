import type { BlurCapability } from './versions.ts';

/**
 * In-page code of the call.blur checks (tests/certification/call/blur.ts), run by page.evaluate:
 * each function is self-contained.
 */

/**
 * In the page: what Talk's VirtualBackground.js isSupported() looks at: `wasm-check` support()
 * (WebAssembly validates a minimal module; feature.simd picks the SIMD build), WebGL (newer Talk),
 * the canvas 2D `filter`.
 */
export function blurCapabilityInPage(): BlurCapability {
  const minimal = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
  const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  const webAssembly = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(minimal);
  const ctx = document.createElement('canvas').getContext('2d');
  let webgl = false;
  try {
    webgl = document.createElement('canvas').getContext('webgl2') !== null || document.createElement('canvas').getContext('webgl') !== null;
  } catch {
    webgl = false;
  }
  return { webAssembly, simd: webAssembly && WebAssembly.validate(simdProbe), webgl, canvasFilter: Boolean(ctx && 'filter' in ctx) };
}

/** In the page: the per-conversation background type Talk stores (BrowserStorage, scope `talk`), matched by key suffix. */
export function storedBackgroundTypeInPage(token: string): { key: string; value: string | null }[] {
  const out: { key: string; value: string | null }[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.endsWith(`virtualBackgroundType_${token}`)) out.push({ key, value: localStorage.getItem(key) });
  }
  return out;
}
