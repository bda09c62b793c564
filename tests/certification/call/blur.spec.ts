import { check, test } from '../../../fixtures/call.ts';
import { BLURRED_SHARPNESS_RATIO, runBlur, storedTypeIsBlur } from './blur.ts';

const c = check('call.blur');
// The call page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

// Proof that blur is on, from outside (docs/reference/talk-reference.md section 7; spreed
// src/components/MediaSettings/VideoBackgroundEditor.vue, src/utils/media/pipeline/VirtualBackground.js):
// the selected class on "Blur", the per-conversation stored type, every .wasm/.tflite 2xx, no
// "tflite compilation failed"/"MediaPipe Tasks initialization failed", the preview blurrier.
test(c.title, c.details, async ({ callSession, evidence, browser }) => {
  const run = await runBlur(callSession, evidence, browser);
  if (run.notApplicable) return evidence.notApplicable(run.notApplicable);
  if (run.shown !== 'dialog')
    return evidence.notRun('the call button joined without the device dialog (the "Always show preview" preference is off for this user), so Backgrounds could not be opened');
  const bad = run.requests.filter((r) => r.status < 200 || r.status >= 300);
  const files = run.requests.map((r) => `${r.url.split('/').pop()} ${r.status} ${r.contentType ?? ''}`.trim());
  const stored = run.storedType.map((s) => `${s.key}=${s.value}`).join(', ') || 'no stored virtualBackgroundType_<token>';
  const sharp = run.sharpness.before !== null && run.sharpness.after !== null ? `sharpness ${run.sharpness.before} → ${run.sharpness.after}` : 'no video frame measured';
  evidence.observed(
    !run.backgroundsOffered
      ? `no Backgrounds tab in the device dialog${files.length ? ` (${files.join(', ')})` : ''}`
      : run.blurEnabled === false
        ? `"Blur" is disabled${files.length ? ` (${files.join(', ')})` : ''}`
        : `Blur ${run.blurSelected ? 'selected' : 'not selected'}, ${stored}, ${sharp}; ${files.join(', ') || 'no .wasm/.tflite request'}`,
  );
  evidence.requireAll([
    [bad.length === 0, `blur files failed to load: ${bad.map((r) => `${r.url} HTTP ${r.status} (${r.contentType ?? 'no Content-Type'})`).join(', ')}`],
    [run.console.compilationFailed.length === 0, `Talk's blur says: ${run.console.compilationFailed.join(' | ')}`],
    [run.backgroundsOffered, 'Talk offers no Backgrounds tab although this browser can run blur: Talk hides it when the blur files cannot be loaded'],
  ]);
  // Talk disables "Blur" while the effect is not available (VideoBackgroundEditor.vue blurPreviewAvailable); no file failed.
  if (run.blurEnabled === false)
    return evidence.notApplicable(`Talk ${callSession.ui.version} shows "Blur" disabled in this browser (blur not available) while no blur file failed to load`);
  const frameChanged = run.sharpness.before !== null && run.sharpness.after !== null && run.sharpness.after < run.sharpness.before * BLURRED_SHARPNESS_RATIO;
  evidence.requireAll([
    [run.blurSelected, `choosing Blur did not select it: the "Blur" tile has no class ${callSession.ui.selectedTileClass}`],
    [storedTypeIsBlur(run.storedType), `Talk did not store the conversation's background type as blur (${stored})`],
    [
      frameChanged,
      `the preview video did not get blurrier (sharpness ${run.sharpness.before} → ${run.sharpness.after}, needed below ${BLURRED_SHARPNESS_RATIO} × the unblurred value): the blur effect is not applied`,
    ],
  ]);
});
