/**
 * The reference double's Talk web UI profiles: which Talk release (and the Nextcloud release it
 * runs on) the double's pages imitate. Orthogonal to the fault profiles of profiles.ts: any fault
 * profile can run with any UI profile (`tsx src/reference/cli.ts --profile good --ui talk21`,
 * `TALK_REFERENCE_UI=talk21` for certification runs). Default `talk22`, what the double always was.
 *
 * Version map (spreed:docs/changelogs/changelog-21.md, -22.md; docs/reference/talk-reference.md): Talk 20 ↔ NC 30,
 * Talk 21 ↔ NC 31, Talk 22 ↔ NC 32. The releases below are real releases of each line
 * (changelog-20.md: 20.1.10 of 2025-09-18; changelog-21.md: 21.1.5 of 2025-09-18); the Nextcloud
 * patch releases are ones of the same period. Everything the pages render differently per release
 * is a field here, each with the spreed source file it comes from.
 */
export const UI_PROFILE_NAMES = ['talk20', 'talk21', 'talk22'] as const;
export type UiProfileName = (typeof UI_PROFILE_NAMES)[number];
export const DEFAULT_UI_PROFILE: UiProfileName = 'talk22';

export interface UiProfile {
  name: UiProfileName;
  /** Capabilities `spreed.version` and the app's version. */
  talkVersion: string;
  /** status.php `version` / `versionstring` and capabilities `version`. */
  nextcloud: { version: string; versionString: string };
  /**
   * src/components/TopBar/CallButton.vue: Talk 20/21 render every state of the button as an
   * NcButton with `id="call_button"`; Talk 22 has no id, classes `join-call` / `leave-call`
   * (docs/reference/talk-reference.md section 7).
   */
  callButton: 'id-call_button' | 'classes';
  /**
   * CallButton.vue, in call: `menu-for-moderators` (Talk ≤ 21) = owners/moderators get an
   * NcActions trigger "Leave call ▼" with the actions "Leave call" and "End call for everyone",
   * plain participants a plain "Leave call" button; `inline` (Talk 22) = one "Leave call" button.
   */
  leave: 'menu-for-moderators' | 'inline';
  /**
   * src/components/MediaSettings/MediaSettings.vue: heading "Media settings" (Talk 19 – 21, NcModal
   * without label-id, so the dialog has no accessible name) or "Check devices" (Talk 22, NcModal
   * `label-id` = the heading's id, so the dialog is named by it).
   */
  dialogHeading: 'Media settings' | 'Check devices';
  /**
   * How Devices/Backgrounds are offered: `toggle-buttons` = two NcButtons (secondary when shown,
   * tertiary otherwise), neither shown at first (MediaSettings.vue Vue 2 era: `tabContent: 'none'`);
   * `tabs` = a tablist with `role="tab"` "Devices" (selected) and "Backgrounds".
   */
  dialogTabs: 'toggle-buttons' | 'tabs';
  /** The TopBarMenu action that reopens the dialog in a call (src/components/TopBar/TopBarMenu.vue). */
  inCallSettingsAction: 'Media settings' | 'Check devices';
  /**
   * src/utils/media/pipeline/VirtualBackground.js isSupported(): `wasm-and-canvas-filter` (older:
   * `_isWasmSupported() && _isCanvasFilterSupported()`), `wasm-and-webgl-or-canvas-filter` (newer:
   * `isWasmSupported() && (isWebGLSupported() || isCanvasFilterSupported())`).
   */
  blurSupport: 'wasm-and-canvas-filter' | 'wasm-and-webgl-or-canvas-filter';
}

export const UI_PROFILES: Readonly<Record<UiProfileName, UiProfile>> = {
  talk20: {
    name: 'talk20',
    talkVersion: '20.1.10',
    nextcloud: { version: '30.0.14.1', versionString: '30.0.14' },
    callButton: 'id-call_button',
    leave: 'menu-for-moderators',
    dialogHeading: 'Media settings',
    dialogTabs: 'toggle-buttons',
    inCallSettingsAction: 'Media settings',
    blurSupport: 'wasm-and-canvas-filter',
  },
  talk21: {
    name: 'talk21',
    talkVersion: '21.1.5',
    nextcloud: { version: '31.0.9.1', versionString: '31.0.9' },
    callButton: 'id-call_button',
    leave: 'menu-for-moderators',
    dialogHeading: 'Media settings',
    dialogTabs: 'toggle-buttons',
    inCallSettingsAction: 'Media settings',
    blurSupport: 'wasm-and-canvas-filter',
  },
  talk22: {
    name: 'talk22',
    talkVersion: '22.0.2',
    nextcloud: { version: '32.0.1.2', versionString: '32.0.1' },
    callButton: 'classes',
    leave: 'inline',
    dialogHeading: 'Check devices',
    dialogTabs: 'tabs',
    inCallSettingsAction: 'Check devices',
    blurSupport: 'wasm-and-webgl-or-canvas-filter',
  },
};

/** The UI profile, or an error naming the valid ones. */
export function uiProfileByName(name: string): UiProfile {
  if (!(UI_PROFILE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown reference UI profile "${name}": use one of ${UI_PROFILE_NAMES.join(', ')}`);
  }
  return UI_PROFILES[name as UiProfileName];
}
