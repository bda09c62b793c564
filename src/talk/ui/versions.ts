/**
 * What differs between Talk versions in the web UI the call checks drive (talk-reference.md
 * section 7; spreed src/components/TopBar/CallButton.vue, MediaSettings/MediaSettings.vue,
 * MediaSettings/VideoBackgroundEditor.vue). Roles and accessible names come first and are the
 * same everywhere; the CSS fallbacks are used only where the accessible name is not enough.
 */

export interface TalkUiProfile {
  /** Which Talk versions this profile describes, for evidence. */
  label: string;
  /** Accessible names of the top bar's call button before joining (not "Connecting …", which is disabled). */
  callButtonNames: RegExp;
  /** The same button when it is the leave button. */
  leaveButtonNames: RegExp;
  /**
   * Talk 20/21: the top bar button is `#call_button` in both states; Talk 22: classes
   * `join-call` / `leave-call`, no id.
   */
  callButtonFallback: string;
  leaveButtonFallback: string;
  /** Heading of the device dialog: "Media settings" (19 – early 22), "Check devices" (later 22). */
  deviceDialogNames: RegExp;
  /**
   * How the Backgrounds tab is exposed: plain NcButtons up to 21 (role button), tabs in the
   * Vue 3 rewrite (role tab). Both are accepted: the name is what matters.
   */
  backgroundsName: string;
  /** Blur needs WebGL2 from 22.0.3 (MediaPipe compositor) besides WebAssembly (+ SIMD for the SIMD build). */
  blurNeedsWebGl2: boolean;
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
  callButtonNames: /^(Start call|Join call|Start call silently)$/,
  leaveButtonNames: /^(Leave call|End call)$/,
  backgroundsName: 'Backgrounds',
};

/** The UI profile of a Talk version (capabilities `spreed.version`); unknown versions get the newest. */
export function talkUiFor(version: string | null | undefined): TalkUiProfile {
  const v = parseTalkVersion(version);
  if (v && v[0] <= 21) {
    return {
      ...COMMON,
      label: `Talk ${version} (≤ 21: #call_button, "Media settings")`,
      callButtonFallback: '#call_button',
      leaveButtonFallback: '#call_button',
      deviceDialogNames: /^(Media settings|Check devices)$/,
      blurNeedsWebGl2: false,
    };
  }
  return {
    ...COMMON,
    label: `Talk ${version ?? 'unknown'} (22+: .join-call/.leave-call, "Check devices" or "Media settings")`,
    callButtonFallback: '.join-call',
    leaveButtonFallback: '.leave-call',
    deviceDialogNames: /^(Check devices|Media settings)$/,
    blurNeedsWebGl2: v ? atLeast(v, [22, 0, 3]) : true,
  };
}
