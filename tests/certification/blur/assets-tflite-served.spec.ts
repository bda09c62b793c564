import { check, talkMissingReason, test } from '../../../fixtures/index.ts';
import { describeAsset } from '../../../src/talk/blur.ts';

const c = check('blur.assets.tflite.served');

test(c.title, c.details, async ({ target, blurAssets, evidence }) => {
  if (!blurAssets) return evidence.notRun(talkMissingReason(target.probe.talk));
  const models = blurAssets.assets.filter((a) => a.kind === 'tflite');
  evidence.add('talkVersion', blurAssets.talkVersion).add('appRoot', blurAssets.appRoot).add('assets', models);
  evidence.observed(models.map(describeAsset).join('; '));
  evidence.requireAll(
    models.map((a) => [
      a.formatOk,
      a.status === 200 ? `${a.url} answered 200 but is not a TFLite model (${a.bytes} B, ${a.contentType})` : `${a.url} is not served (${a.error ?? `HTTP ${a.status}`})`,
    ]),
  );
});
