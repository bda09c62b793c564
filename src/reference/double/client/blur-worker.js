/*
 * talk-certify reference platform: stand-in for Talk 22.0.2's
 * talk-JitsiStreamBackgroundEffect.worker.worker.js. It loads the blur's files the way Talk's
 * worker does, so a web server that serves them wrongly shows the same symptoms:
 *  - the wasm through Emscripten's loader logic (vendor/tflite/tflite.js): fetch with same-origin
 *    credentials, WebAssembly.instantiateStreaming, on failure the two console warnings and an
 *    ArrayBuffer instantiation; resolved relative to this script (locateFile returns the bare name);
 *  - then the model, which must be HTTP-ok;
 *  - any failure: Talk's console error and `loadFailed` to the page.
 * It segments nothing (the stand-in files carry no model): the page draws the blur itself.
 */
'use strict';

const err = console.warn.bind(console);

async function instantiateWasm(file) {
  const url = new URL(file, self.location.href).href;
  const imports = {};
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      const response = fetch(url, { credentials: 'same-origin' });
      return await WebAssembly.instantiateStreaming(response, imports);
    } catch (reason) {
      err('wasm streaming compile failed: ' + reason);
      err('falling back to ArrayBuffer instantiation');
    }
  }
  try {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw "failed to load wasm binary file at '" + url + "'";
    return await WebAssembly.instantiate(await response.arrayBuffer(), imports);
  } catch (reason) {
    err('failed to asynchronously prepare wasm: ' + reason);
    throw reason;
  }
}

async function makeTFLite(isSimd) {
  try {
    const wasm = await instantiateWasm(isSimd ? 'tflite-simd.wasm' : 'tflite.wasm');
    if (!wasm || !wasm.instance || typeof wasm.instance.exports.probe !== 'function') throw new Error('the wasm module has no probe export');
    const modelResponse = await fetch(new URL('selfie_segmentation_landscape.tflite', self.location.href).href, { credentials: 'same-origin' });
    if (!modelResponse.ok) throw new Error('Failed to download tflite model!');
    const model = await modelResponse.arrayBuffer();
    if (model.byteLength < 8) throw new Error('tflite model is empty');
    self.postMessage({ message: 'loaded' });
  } catch (error) {
    console.error(error);
    console.error('JitsiStreamBackgroundEffect.worker: tflite compilation failed. The web server may not be properly configured to send wasm and/or tflite files.');
    self.postMessage({ message: 'loadFailed' });
  }
}

self.onmessage = (e) => {
  if (e.data && e.data.message === 'makeTFLite') void makeTFLite(Boolean(e.data.isSimd));
};
