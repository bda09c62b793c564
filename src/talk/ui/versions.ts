/**
 * What differs between Talk versions in the web UI the call checks drive: the single place of
 * version differences (docs/reference/talk-reference.md section 7). Each entry cites the spreed file it comes
 * from. Roles and accessible names come first; a CSS selector only where real Talk renders it.
 * Nothing here is an attribute or global the suite invented: no `aria-pressed` on the background
 * tiles, no `OCA.Talk.blurState` (real Talk has neither).
 */

/** How Talk decides whether it offers background blur at all (VirtualBackground.js `isSupported()`). */
export type BlurSupportRule =
  /** Older Talk: `_isWasmSupported() && _isCanvasFilterSupported()`. */
  | 'wasm-and-canvas-filter'
  /** Newer Talk (MediaPipe, WebGL compositor with canvas fallback): `isWasmSupported() && (isWebGLSupported() || isCanvasFilterSupported())`. */
  | 'wasm-and-webgl-or-canvas-filter';

export interface TalkUiProfile {
  /** The Talk version the profile was chosen for (capabilities `spreed.version`), as the not-run wording names it. */
  version: string;
  /** Which Talk versions this profile describes, for evidence. */
  label: string;
  /**
   * Accessible names of the top bar's call button once the conversation is joined
   * (src/components/TopBar/CallButton.vue `startCallLabel`); "Connecting …" is the disabled state
   * before that and never matches.
   */
  callButtonNames: RegExp;
  /**
   * The call button's element in the top bar (CallButton.vue): Talk 20/21 `id="call_button"`,
   * Talk 22 class `join-call` (no id). Used with the accessible name, never instead of it.
   */
  callButtonSelector: string;
  /**
   * The leave control's accessible name (CallButton.vue `leaveCallLabel`): a plain "Leave call"
   * button, or on Talk ≤ 21 for owners/moderators an NcActions menu trigger "Leave call ▼"
   * (`leaveCallCombinedLabel`) whose menu holds "Leave call" and "End call for everyone".
   */
  leaveButtonNames: RegExp;
  /** Talk 22 `.leave-call`; Talk ≤ 21 none (the NcActions trigger has no id; `#call_button` is also the start button). */
  leaveButtonSelector: string | null;
  /** The menu item that leaves only for oneself in the ≤ 21 owner menu (CallButton.vue NcActionButton). */
  leaveMenuItemName: string;
  /** Heading of the device dialog (src/components/MediaSettings/MediaSettings.vue): "Media settings" (19 – early 22), "Check devices" (later 22). */
  deviceDialogNames: RegExp;
  /** Backgrounds: a tab (`role="tab"`) in MediaSettings.vue; older builds a plain button. The name is what matters. */
  backgroundsName: string;
  /** The top bar's conversation title (src/components/TopBar/TopBar.vue: text, not a heading), recorded in evidence. */
  topBarTitleSelector: string;
  /** The chosen background tile's class (src/components/MediaSettings/VideoBackgroundEditor.vue). */
  selectedTileClass: string;
  blurSupport: BlurSupportRule;
}

/** Parses `major.minor.patch` (more parts ignored); null for anything else. */
export function parseTalkVersion(v: string | null | undefined): [number, number, number] | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

function atLeast(v: [number, number, number], min: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

const COMMON = {
  // CallButton.vue startCallLabel: "Start call" | "Start call silently" | "Join call".
  callButtonNames: /^(Start call|Join call|Start call silently)$/,
  // CallButton.vue leaveCallLabel "Leave call", leaveCallCombinedLabel "Leave call ▼" (≤ 21 owners/moderators).
  leaveButtonNames: /^Leave call( ▼)?$/,
  leaveMenuItemName: 'Leave call',
  // MediaSettings.vue: tab "Backgrounds" (only when virtual background is available).
  backgroundsName: 'Backgrounds',
  // TopBar.vue: `.conversation-header` … `.title` (text; the only heading with the name is RightSidebar.vue's h2).
  topBarTitleSelector: '.conversation-header .title',
  // VideoBackgroundEditor.vue: `:class="{ 'background-editor__element--selected': … }"`.
  selectedTileClass: 'background-editor__element--selected',
};

/** The UI profile of a Talk version (capabilities `spreed.version`); unknown versions get the newest. */
export function talkUiFor(version: string | null | undefined): TalkUiProfile {
  const v = parseTalkVersion(version);
  // The WebGL path of isSupported() came with the MediaPipe compositor (22.0.3, spreed PR #16072, changelog-22.md).
  const blurSupport: BlurSupportRule = !v || atLeast(v, [22, 0, 3]) ? 'wasm-and-webgl-or-canvas-filter' : 'wasm-and-canvas-filter';
  if (v && v[0] <= 21) {
    return {
      ...COMMON,
      version: version!,
      label: `Talk ${version} (≤ 21: #call_button, "Media settings", leave menu for moderators)`,
      callButtonSelector: '#call_button',
      leaveButtonSelector: null,
      deviceDialogNames: /^(Media settings|Check devices)$/,
      blurSupport,
    };
  }
  return {
    ...COMMON,
    version: version ?? 'unknown version',
    label: `Talk ${version ?? 'unknown'} (22+: .join-call/.leave-call, "Check devices" or "Media settings")`,
    callButtonSelector: '.join-call',
    leaveButtonSelector: '.leave-call',
    deviceDialogNames: /^(Check devices|Media settings)$/,
    blurSupport,
  };
}

/** What the browser offers of what Talk's blur needs (measured in the page). */
export interface BlurCapability {
  /** `wasm-check` `support()`: WebAssembly validates a minimal module. */
  webAssembly: boolean;
  /** `wasm-check` `feature.simd` (picks the SIMD build; not a requirement). */
  simd: boolean;
  /** A WebGL context can be created (webgl2 or webgl). */
  webgl: boolean;
  /** The canvas 2D context has `filter`. */
  canvasFilter: boolean;
}

/** Talk's own answer to "is blur available in this browser" (VirtualBackground.js isSupported()), or why not. */
export function blurUnavailableReason(ui: TalkUiProfile, c: BlurCapability): string | null {
  if (!c.webAssembly) return `this browser has no WebAssembly, so Talk ${ui.version} offers no background blur in it`;
  if (ui.blurSupport === 'wasm-and-canvas-filter' && !c.canvasFilter) return `this browser has no canvas 2D filter, which Talk ${ui.version}'s blur needs`;
  if (ui.blurSupport === 'wasm-and-webgl-or-canvas-filter' && !c.canvasFilter && !c.webgl)
    return `this browser has neither WebGL nor the canvas 2D filter, one of which Talk ${ui.version}'s blur needs`;
  return null;
}
