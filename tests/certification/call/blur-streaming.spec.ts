import { check, test } from '../../../fixtures/call.ts';
import { runBlur } from './blur.ts';

const c = check('call.blur.streaming');
// The call page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ callSession, evidence, browser }) => {
  const run = await runBlur(callSession, evidence, browser);
  if (run.notApplicable) return evidence.notApplicable(run.notApplicable);
  const wasm = run.requests.filter((r) => /\.wasm$/.test(r.url));
  if (wasm.length === 0) return evidence.notRun(`blur loaded no .wasm in this browser (Backgrounds ${run.backgroundsOffered ? 'offered' : 'not offered'}); call.blur says why`);
  const unserved = wasm.filter((r) => r.status < 200 || r.status >= 300);
  if (unserved.length > 0) {
    return evidence.notRun(
      `the blur .wasm is not served at all (${unserved.map((r) => `${r.url.split('/').pop()} HTTP ${r.status}`).join(', ')}), so how it is compiled says nothing; call.blur fails for that`,
    );
  }
  evidence.observed(
    `${wasm.map((r) => `${r.url.split('/').pop()} ${r.status} ${r.contentType ?? 'no Content-Type'}`).join(', ')}; ` +
      (run.console.streamingFailed.length ? `console: ${run.console.streamingFailed[0]}` : 'no streaming-compile fallback in the console'),
  );
  evidence.require(
    run.console.streamingFailed.length === 0 && run.console.fallback.length === 0,
    `"wasm streaming compile failed" while blur loaded (${[...run.console.streamingFailed, ...run.console.fallback].join(' | ')}); served as ${[...new Set(wasm.map((r) => r.contentType ?? 'no Content-Type'))].join(', ')}: the browser falls back to downloading first`,
  );
});
