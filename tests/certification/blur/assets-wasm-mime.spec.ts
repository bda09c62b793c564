import { check, talkMissingReason, test } from '../../../fixtures/index.ts';
import { wasmMimeProblem } from '../../../src/talk/blur-assets.ts';

const c = check('blur.assets.wasm.mime');

test(c.title, c.details, async ({ target, blurAssets, evidence }) => {
  if (!blurAssets) return evidence.notRun(talkMissingReason(target.probe.talk));
  const wasm = blurAssets.assets.filter((a) => a.kind === 'wasm');
  evidence.add(
    'assets',
    wasm.map(({ url, status, contentType }) => ({ url, status, contentType })),
  );
  evidence.observed(wasm.map((a) => `${a.file}: ${a.contentType ?? '(none)'}`).join('; '));
  // Compared as the browsers compare it (see wasmStreamingAccepts): a parameter such as charset fails.
  evidence.requireAll(
    wasm.map((a) => {
      const problem = wasmMimeProblem(a.contentType);
      return [
        problem === null,
        `${a.file} is served as ${a.contentType ?? 'no Content-Type'}${a.status !== 200 ? ` (HTTP ${a.status})` : ''}: ${problem}, so browsers cannot compile it while downloading`,
      ];
    }),
  );
});
