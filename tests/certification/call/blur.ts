import { type Browser, expect, test } from '@playwright/test';
import { BLUR_TIMEOUT_MS, type CallSession, MEDIA_FLOW_TIMEOUT_MS, type Participant, logIn, requireConversationJoined } from '../../../fixtures/call.ts';
import type { EvidenceRecorder } from '../../../fixtures/index.ts';
import { blurCapabilityInPage, storedBackgroundTypeInPage } from '../../../src/talk/ui/blur-page.ts';
import { type BlurCapability, FIRST_RUN_WIZARD_SELECTOR, blurUnavailableReason } from '../../../src/talk/ui/index.ts';
import { BLURRED_SHARPNESS_RATIO, videoSharpnessInPage } from '../../../src/talk/ui/sharpness.ts';
import { POLL_INTERVAL_MS } from './connect.ts';

export { BLURRED_SHARPNESS_RATIO };

/**
 * The logic of call.blur (blur.spec.ts) and call.blur.streaming (blur-streaming.spec.ts): one
 * participant opens the conversation, the device dialog, Backgrounds > Blur, then joins the call
 * with blur on; each phase a test.step with its evidence. The in-page code is in
 * src/talk/ui/blur-page.ts and src/talk/ui/sharpness.ts.
 */

export interface BlurRun {
  capability: BlurCapability;
  notApplicable: string | null;
  shown: 'dialog' | 'in-call' | null;
  backgroundsOffered: boolean;
  /** "Blur" enabled in Backgrounds (VideoBackgroundEditor.vue disables it while `blurPreviewAvailable` is false); null when not reached. */
  blurEnabled: boolean | null;
  /** "Blur" carries `background-editor__element--selected` after the click (VideoBackgroundEditor.vue). */
  blurSelected: boolean;
  /** localStorage items whose key ends in `virtualBackgroundType_<token>` (@nextcloud/browser-storage scope `talk`; the prefix differs by library version). */
  storedType: { key: string; value: string | null }[];
  sharpness: { before: number | null; after: number | null };
  requests: Participant['blurRequests'];
  console: { streamingFailed: string[]; fallback: string[]; compilationFailed: string[] };
  joinedWithBlur: number | null;
}

/** The stored type is `blur` (a JSON-quoted value is accepted too). */
export function storedTypeIsBlur(items: { value: string | null }[]): boolean {
  return items.some((i) => (i.value ?? '').replace(/^"|"$/g, '') === 'blur');
}

/** Talk enables "Blur" as soon as the effect can run; a tile still disabled after this means not available. */
export const BLUR_ENABLED_TIMEOUT_MS = 5_000;

const STREAMING_FAILED = /wasm streaming compile failed/i;
const FALLBACK = /falling back to ArrayBuffer instantiation/i;
const COMPILATION_FAILED = /tflite compilation failed|MediaPipe Tasks initialization failed/i;

/** One participant opens the conversation, the device dialog, Backgrounds > Blur; then joins the call with blur on. */
export async function runBlur(session: CallSession, evidence: EvidenceRecorder, browser: Browser): Promise<BlurRun> {
  const t0 = Date.now();
  if (session.talkMissing) return evidence.notRun(session.talkMissing);
  const users = await test.step('the participant: a throwaway user (admin credentials) or the configured one', () => session.users(1));
  evidence.add('talkUi', session.ui.label).add('users', { mode: users.mode, a: users.a.user });
  const conversation = await test.step('create the conversation through the API', () => session.conversation());
  const a = await test.step('A logs in through the login page (untraced context; only cookies are handed over)', () =>
    logIn(evidence, users.mode, () => session.participant('A', users.a, browser)));
  evidence.add('firstRunWizard', a.wizard);
  const out: BlurRun = {
    capability: { webAssembly: false, simd: false, webgl: false, canvasFilter: false },
    notApplicable: null,
    shown: null,
    backgroundsOffered: false,
    blurEnabled: null,
    blurSelected: false,
    storedType: [],
    sharpness: { before: null, after: null },
    requests: a.blurRequests,
    console: { streamingFailed: [], fallback: [], compilationFailed: [] },
    joinedWithBlur: null,
  };
  const sharpness = () => a.page.evaluate(videoSharpnessInPage, { dialogNames: session.ui.deviceDialogNames.source, wizard: FIRST_RUN_WIZARD_SELECTOR });
  const storedType = () => a.page.evaluate(storedBackgroundTypeInPage, conversation.token);
  try {
    const nav = await test.step('A opens the conversation page', () => a.call.open(session.baseUrl, conversation.token));
    const shownPage = await session.uiStep('A sees the conversation joined (call button "Start call"/"Join call" enabled)', () => a.call.waitForConversation());
    evidence.add('page', { ...nav, shown: shownPage });
    requireConversationJoined(evidence, 'A', shownPage);
    out.capability = await test.step("the browser can run Talk's blur (VirtualBackground.js isSupported())", () => a.page.evaluate(blurCapabilityInPage));
    out.notApplicable = blurUnavailableReason(session.ui, out.capability);
    if (out.notApplicable) return out;

    out.shown = await session.uiStep('click the call button: the device dialog opens', () => a.call.clickCallButton());
    if (out.shown !== 'dialog') return out;
    await expect
      .poll(sharpness, { timeout: BLUR_TIMEOUT_MS })
      .not.toBeNull()
      .catch(() => {});
    out.sharpness.before = await sharpness();
    out.backgroundsOffered = await test.step('the dialog offers Backgrounds', () =>
      a.call.backgroundsTab.waitFor({ timeout: BLUR_TIMEOUT_MS }).then(
        () => true,
        () => false,
      ));
    if (!out.backgroundsOffered) return out;
    out.blurEnabled = await session.uiStep('Backgrounds: the "Blur" tile', async () => {
      await a.call.openBackgrounds(BLUR_TIMEOUT_MS);
      return expect
        .poll(() => a.call.blurButton.isEnabled(), { timeout: BLUR_ENABLED_TIMEOUT_MS, intervals: [POLL_INTERVAL_MS] })
        .toBe(true)
        .then(
          () => true,
          () => false,
        );
    });
    if (!out.blurEnabled) {
      // Disabled = not available; when it is so because its files failed, wait for them to say so.
      await expect
        .poll(() => a.blurRequests.some((r) => r.status < 200 || r.status >= 300) || a.console.some((l) => COMPILATION_FAILED.test(l)), { timeout: BLUR_ENABLED_TIMEOUT_MS })
        .toBe(true)
        .catch(() => {});
      await a.screenshot(`blur-disabled-${a.browserName}.png`);
      return out;
    }
    await session.uiStep('Backgrounds > Blur: click it', () => a.call.blurButton.click({ timeout: BLUR_TIMEOUT_MS }));
    await test.step('Blur is selected, stored for the conversation, its files loaded, the preview blurrier', async () => {
      // Settled: Talk's console says the effect failed, or Blur is selected and its model was fetched
      // (the last file blur loads).
      const settled = async () => a.console.some((l) => COMPILATION_FAILED.test(l)) || ((await a.call.blurSelected()) && a.blurRequests.some((r) => /\.tflite$/.test(r.url)));
      await expect
        .poll(settled, { timeout: BLUR_TIMEOUT_MS, intervals: [POLL_INTERVAL_MS] })
        .toBe(true)
        .catch(() => {});
      out.blurSelected = await a.call.blurSelected();
      if (out.blurSelected && !a.console.some((l) => COMPILATION_FAILED.test(l))) {
        await expect
          .poll(sharpness, { timeout: MEDIA_FLOW_TIMEOUT_MS })
          .toBeLessThan((out.sharpness.before ?? 0) * BLURRED_SHARPNESS_RATIO)
          .catch(() => {});
      }
      out.sharpness.after = await sharpness();
      out.storedType = await storedType();
    });
    await test.step('screenshot of the blur state', () => a.screenshot(`blur-${a.browserName}.png`));
    if (out.blurSelected) {
      out.joinedWithBlur = await session.uiStep('join the call with blur on, then leave', async () => {
        const status = await a.call.joinFromDialog();
        await a.screenshot(`blur-in-call-${a.browserName}.png`);
        // Some Talk versions store the choice when the call starts with it.
        if (!storedTypeIsBlur(out.storedType)) out.storedType = await storedType();
        if (status === 200) evidence.add('leave', await a.call.leaveCall());
        return status;
      });
    }
    return out;
  } finally {
    out.console.streamingFailed = a.console.filter((l) => STREAMING_FAILED.test(l));
    out.console.fallback = a.console.filter((l) => FALLBACK.test(l));
    out.console.compilationFailed = a.console.filter((l) => COMPILATION_FAILED.test(l));
    evidence
      .add('blur', out)
      .add('console', a.console)
      .add('wallMs', Date.now() - t0);
  }
}
