import { check, talkMissingReason, test } from '../../../fixtures/index.ts';

const c = check('blur.browser.wasm-compiles');

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
