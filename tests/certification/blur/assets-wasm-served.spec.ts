import { check, talkMissingReason, test } from '../../../fixtures/index.ts';
import { describeAsset } from '../../../src/talk/blur.ts';

const c = check('blur.assets.wasm.served');

test(c.title, c.details, async ({ target, blurAssets, evidence }) => {
  if (!blurAssets) return evidence.notRun(talkMissingReason(target.probe.talk));
  const wasm = blurAssets.assets.filter((a) => a.kind === 'wasm');
  evidence.add('talkVersion', blurAssets.talkVersion).add('appRoot', blurAssets.appRoot).add('appRootSource', blurAssets.appRootSource);
  evidence.add('tried', blurAssets.tried).add('assets', wasm);
  evidence.observed(wasm.map(describeAsset).join('; '));
  evidence.requireAll(
    wasm.map((a) => [
      a.formatOk,
      a.status === 200
        ? `${a.url} answered 200 but the body is not a WebAssembly module (${a.bytes} B, ${a.contentType})`
        : `${a.url} is not served (${a.error ?? `HTTP ${a.status}`})`,
    ]),
  );
});
