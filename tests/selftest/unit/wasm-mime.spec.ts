import { expect, test } from '@playwright/test';
import { wasmMimeProblem, wasmStreamingAccepts } from '../../../src/talk/blur-assets.ts';

/**
 * blur.assets.wasm.mime judges a Content-Type the way Chromium and Firefox judge it for
 * WebAssembly.compileStreaming (src/talk/blur-assets.ts cites both): the whole value, trimmed,
 * case-insensitively equal to application/wasm. The cases are WPT wasm/webapi/contenttype.any.js
 * plus what real servers send.
 */
test('exactly application/wasm is accepted, in any case, with surrounding whitespace trimmed', () => {
  for (const ct of ['application/wasm', 'APPLICATION/wasm', 'APPLICATION/WASM', 'Application/Wasm', ' application/wasm', 'application/wasm\t', '  application/wasm  ']) {
    expect(wasmStreamingAccepts(ct), JSON.stringify(ct)).toBe(true);
    expect(wasmMimeProblem(ct), JSON.stringify(ct)).toBeNull();
  }
});

test('any parameter is rejected, as browsers reject it: charset, an empty one, a bare semicolon', () => {
  for (const ct of ['application/wasm; charset=utf-8', 'application/wasm;charset=UTF-8', 'application/wasm;', 'application/wasm;x', 'APPLICATION/WASM; charset=binary']) {
    expect(wasmStreamingAccepts(ct), JSON.stringify(ct)).toBe(false);
    expect(wasmMimeProblem(ct), JSON.stringify(ct)).toMatch(/carries a parameter.*exactly "application\/wasm".*Incorrect response MIME type/);
  }
});

test('other types, inner whitespace, a second value and no Content-Type are rejected', () => {
  for (const ct of ['application/octet-stream', 'text/wasm', 'application/javascript', 'application/wasm, application/wasm', 'application / wasm', 'application']) {
    expect(wasmStreamingAccepts(ct), JSON.stringify(ct)).toBe(false);
    expect(wasmMimeProblem(ct), JSON.stringify(ct)).not.toBeNull();
  }
  expect(wasmStreamingAccepts(null)).toBe(false);
  expect(wasmStreamingAccepts('')).toBe(false);
  expect(wasmMimeProblem(null)).toBe('there is no Content-Type');
  expect(wasmMimeProblem('application/octet-stream')).toBe('"application/octet-stream" is not application/wasm');
});
