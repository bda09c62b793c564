import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from './hpb.ts';
import { fetchWelcome } from '../../../src/talk/hpb-client.ts';

const c = check('talk.hpb.mcu');

/** The HPB announces an MCU with the feature `mcu` (what Talk's client checks, spreed src/utils/signaling.js hasFeature('mcu')). */
test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  const { server } = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-mcu');
  const w = await test.step('GET <server>/api/v1/welcome', () => fetchWelcome(server, target.caFile));
  evidence.add('url', w.url).add('status', w.status).add('features', w.features);
  if (w.status !== 200) return evidence.notRun(`the HPB's welcome at ${w.url} did not answer (${w.status ?? w.error}); see talk.hpb.welcome`);
  const mcu = w.features.includes('mcu');
  evidence.observed(
    mcu
      ? `feature mcu announced (${w.features.filter((f) => ['mcu', 'simulcast', 'update-sdp'].includes(f)).join(', ')})`
      : `no feature mcu (features: ${w.features.join(', ') || 'none'})`,
  );
  evidence.require(mcu, "the HPB announces no MCU: Talk's clients send every stream to every participant (mesh), so calls stay small");
});
