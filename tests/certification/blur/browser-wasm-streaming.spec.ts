import { check, talkMissingReason, test } from '../../../fixtures/index.ts';

const c = check('blur.browser.wasm-streaming');
// Playwright's trace is a worker option: every browser spec runs untraced (the call and TURN pages
// receive Talk's TURN credentials, which a trace would record), so all browser checks share one
// worker and one browser per project (issue 14). A failure keeps its screenshot and evidence.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ target, browserWasm, talkPage, evidence }) => {
  if (!browserWasm) return evidence.notRun(talkMissingReason(target.probe.talk));
  evidence.add('pageUrl', browserWasm.pageUrl).add('page', browserWasm.pageNote).add('files', browserWasm.files).add('console', talkPage.consoleLines);
  if (!browserWasm.webAssembly) return evidence.notApplicable('this browser build has no WebAssembly streaming compilation');
  evidence.observed(
    browserWasm.files.map((f) => `${f.url.split('/').pop()}: ${f.streaming.ok ? `streamed in ${f.streaming.ms} ms` : `streaming failed (${f.streaming.error})`}`).join('; '),
  );
  evidence.requireAll(
    browserWasm.files.map((f) => [f.streaming.ok, `"wasm streaming compile failed" for ${f.url}: ${f.streaming.error}; the browser falls back to downloading first`]),
  );
});
