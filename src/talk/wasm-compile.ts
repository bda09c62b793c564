/**
 * Runs IN THE BROWSER (passed to page.evaluate; it must stay self-contained, no closures).
 *
 * Does what Talk's Emscripten glue does for the blur model (vendor/tflite/tflite.js):
 * `WebAssembly.instantiateStreaming(fetch(url, {credentials: 'same-origin'}))`, and on failure
 * logs "wasm streaming compile failed: …" and "falling back to ArrayBuffer instantiation", then
 * compiles the downloaded bytes. `compileStreaming` is used instead of `instantiateStreaming`
 * because Talk's real binaries need the glue's imports to instantiate; compilation is the part
 * that depends on the server (MIME type, intact body), and it is identical in both calls.
 *
 * Which file Talk loads depends on the browser: the SIMD build when WebAssembly SIMD is
 * supported (`wasm-check` feature.simd / FilesetResolver.isSimdSupported), else the plain one.
 */
export interface WasmCompileResult {
  webAssembly: boolean;
  simdSupported: boolean;
  files: {
    url: string;
    streaming: { ok: boolean; error: string | null; ms: number };
    fallback: { ok: boolean; error: string | null; status: number | null; contentType: string | null; bytes: number } | null;
  }[];
  consoleLines: string[];
}

export async function compileWasmInPage(files: { url: string; simd: boolean }[]): Promise<WasmCompileResult> {
  const consoleLines: string[] = [];
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.compileStreaming !== 'function') {
    return { webAssembly: false, simdSupported: false, files: [], consoleLines };
  }
  // The smallest module using a v128 instruction (the probe wasm-feature-detect uses for SIMD).
  const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  const simdSupported = WebAssembly.validate(simdProbe);
  const chosen = files.filter((f) => f.simd === simdSupported);
  const results: WasmCompileResult['files'] = [];
  for (const f of chosen.length > 0 ? chosen : files) {
    const t0 = performance.now();
    try {
      await WebAssembly.compileStreaming(fetch(f.url, { credentials: 'same-origin' }));
      results.push({ url: f.url, streaming: { ok: true, error: null, ms: Math.round(performance.now() - t0) }, fallback: null });
    } catch (e) {
      const error = String(e);
      const ms = Math.round(performance.now() - t0);
      // The glue's exact console lines, so the evidence reads like the browser console of a real call.
      const l1 = `wasm streaming compile failed: ${error}`;
      const l2 = 'falling back to ArrayBuffer instantiation';
      console.warn(l1);
      console.warn(l2);
      consoleLines.push(l1, l2);
      let fallback: NonNullable<WasmCompileResult['files'][number]['fallback']>;
      try {
        const res = await fetch(f.url, { credentials: 'same-origin' });
        const buf = await res.arrayBuffer();
        fallback = { ok: false, error: null, status: res.status, contentType: res.headers.get('content-type'), bytes: buf.byteLength };
        try {
          await WebAssembly.compile(buf);
          fallback.ok = true;
        } catch (e2) {
          fallback.error = String(e2);
        }
      } catch (e3) {
        fallback = { ok: false, error: String(e3), status: null, contentType: null, bytes: 0 };
      }
      results.push({ url: f.url, streaming: { ok: false, error, ms }, fallback });
    }
  }
  return { webAssembly: true, simdSupported, files: results, consoleLines };
}
