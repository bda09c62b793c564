import { check, talkMissingReason, test } from '../../../fixtures/index.ts';

const c = check('blur.browser.wasm-compiles');
// Playwright's trace is a worker option: every browser spec runs untraced (the call and TURN pages
// receive Talk's TURN credentials, which a trace would record), so all browser checks share one
// worker and one browser per project (issue 14). A failure keeps its screenshot and evidence.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ target, browserWasm, evidence }) => {
  if (!browserWasm) return evidence.notRun(talkMissingReason(target.probe.talk));
  evidence.add('pageUrl', browserWasm.pageUrl).add('page', browserWasm.pageNote).add('simdSupported', browserWasm.simdSupported).add('files', browserWasm.files);
  if (!browserWasm.webAssembly) return evidence.notApplicable('this browser build has no WebAssembly (streaming) support, so Talk offers no background blur in it');
  const compiled = (f: (typeof browserWasm.files)[number]) => f.streaming.ok || Boolean(f.fallback?.ok);
  evidence.observed(
    browserWasm.files
      .map((f) => `${f.url.split('/').pop()}: ${f.streaming.ok ? 'compiled by streaming' : f.fallback?.ok ? 'compiled by the fallback' : 'does not compile'}`)
      .join('; ') + ` (SIMD ${browserWasm.simdSupported ? 'supported' : 'not supported'})`,
  );
  evidence.requireAll(
    browserWasm.files.map((f) => [
      compiled(f),
      `${f.url} does not compile in this browser: ${f.fallback?.error ?? f.streaming.error} (HTTP ${f.fallback?.status}, ${f.fallback?.contentType ?? 'no Content-Type'}, ${f.fallback?.bytes ?? 0} B); background blur cannot load`,
    ]),
  );
});
