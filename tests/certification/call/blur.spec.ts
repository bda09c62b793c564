import { check, test } from '../../../fixtures/call.ts';
import { BLURRED_SHARPNESS_RATIO, runBlur } from '../../../fixtures/call-flow.ts';

const c = check('call.blur');
// The call page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ callSession, evidence, browser }) => {
  const run = await runBlur(callSession, evidence, browser);
  if (run.notApplicable) return evidence.notApplicable(run.notApplicable);
  if (run.shown !== 'dialog') return evidence.notRun('the call button joined without the device dialog (the "Always show preview" preference is off for this user), so Backgrounds could not be opened');
  const bad = run.requests.filter((r) => r.status < 200 || r.status >= 300);
  const files = run.requests.map((r) => `${r.url.split('/').pop()} ${r.status} ${r.contentType ?? ''}`.trim());
  const effect =
    run.appState !== null ? `app state "${run.appState}"` : run.sharpness.before !== null && run.sharpness.after !== null ? `sharpness ${run.sharpness.before} → ${run.sharpness.after}` : 'no effect observable';
  evidence.observed(
    !run.backgroundsOffered
      ? `no Backgrounds tab in the device dialog${files.length ? ` (${files.join(', ')})` : ''}`
      : `Blur ${run.blurPressed ? 'pressed' : 'not pressed'}, ${effect}; ${files.join(', ') || 'no .wasm/.tflite request'}`,
  );
  const frameChanged = run.sharpness.before !== null && run.sharpness.after !== null && run.sharpness.after < run.sharpness.before * BLURRED_SHARPNESS_RATIO;
  evidence.requireAll([
    [bad.length === 0, `blur files failed to load: ${bad.map((r) => `${r.url} HTTP ${r.status} (${r.contentType ?? 'no Content-Type'})`).join(', ')}`],
    [run.console.compilationFailed.length === 0, `Talk's blur worker says: ${run.console.compilationFailed.join(' | ')}`],
    [run.backgroundsOffered, 'Talk offers no Backgrounds tab although this browser can run blur: Talk hides it when the blur files cannot be loaded'],
  ]);
  evidence.require(run.blurPressed, 'choosing Blur did not turn it on (the Blur button is not pressed)');
  // Active: the app says so where it exposes its state; otherwise the local video got blurrier.
  if (run.appState !== null) evidence.require(run.appState === 'active', `the blur effect did not start: the app's blur state is "${run.appState}"`);
  else {
    evidence.inferred();
    evidence.require(frameChanged, `the local video did not get blurrier (sharpness ${run.sharpness.before} → ${run.sharpness.after}): the blur effect is not applied`);
  }
});
