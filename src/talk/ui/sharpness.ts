/**
 * The one video-sharpness measure (issue 15 point 4): call.blur proves the blur by it
 * (tests/certification/call/blur.ts) and the reference call page's self-tests use the same function
 * (tests/selftest/reference/call-page.spec.ts). Runs in the page (page.evaluate): self-contained.
 */

/** The local video counts as blurred when its sharpness fell below this share of the unblurred value. */
export const BLURRED_SHARPNESS_RATIO = 0.8;

/**
 * In the page: how sharp the preview or local video is (mean absolute difference of horizontally
 * adjacent luma values of a downscaled frame). Blur lowers it; null when no video frame is
 * available. The preview is a video inside the device dialog, recognised by its heading (never
 * any dialog: the first-run wizard is one too); in the call, the local video outside dialogs. With
 * `selector`, that video element (the reference call page's own self-tests).
 */
export function videoSharpnessInPage(arg: { dialogNames: string; wizard: string } | { selector: string }): number | null {
  let v: HTMLVideoElement | undefined;
  if ('selector' in arg) {
    v = document.querySelector<HTMLVideoElement>(arg.selector) ?? undefined;
    if (v && (v.videoWidth === 0 || v.readyState < 2)) v = undefined;
  } else {
    const names = new RegExp(arg.dialogNames);
    const isDeviceDialog = (d: Element) =>
      !d.matches(arg.wizard) && [...d.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]')].some((h) => names.test((h.textContent ?? '').trim()));
    const videos = [...document.querySelectorAll('video')].filter((x) => x.videoWidth > 0 && x.readyState >= 2 && !x.closest(arg.wizard));
    const inDialog = videos.find((x) => {
      const d = x.closest('[role="dialog"]');
      return d !== null && isDeviceDialog(d);
    });
    v = inDialog ?? videos.find((x) => !x.closest('[role="dialog"]'));
  }
  if (!v) return null;
  const w = 160;
  const h = Math.max(1, Math.round((v.videoHeight / v.videoWidth) * w));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.drawImage(v, 0, 0, w, h);
  const d = ctx.getImageData(0, 0, w, h).data;
  let sum = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 1; x < w; x++) {
      const i = (y * w + x) * 4;
      const l1 = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
      const l0 = 0.299 * d[i - 4]! + 0.587 * d[i - 3]! + 0.114 * d[i - 2]!;
      sum += Math.abs(l1 - l0);
      n++;
    }
  }
  return n ? Math.round((sum / n) * 100) / 100 : null;
}
