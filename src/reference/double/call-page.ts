import { readFileSync } from 'node:fs';
import type { UiProfile } from '../ui-profiles.ts';
import { escapeHtml } from './context.ts';

/**
 * The Talk double's conversation page (`/call/{token}`): small, but with the markup real Talk
 * renders for the parts the suite's call, blur and mobile checks drive, per UI profile
 * (../ui-profiles.ts: Talk 20.1 / 21.1 / 22.0.2). Server-side here: the page skeleton (top bar,
 * call view, right sidebar, initial state). Everything Talk renders reactively (the call button's
 * states, the leave menu, the device dialog, the background tiles) is rendered by
 * client/talk-call.js, served from disk as `/apps/spreed/js/talk-call.js`; the blur worker is
 * client/blur-worker.js (`/apps/spreed/js/talk-JitsiStreamBackgroundEffect.worker.worker.js`).
 *
 * Markup and where it comes from (spreed sources; docs/reference/talk-reference.md section 7):
 * - Top bar (src/components/TopBar/TopBar.vue): `.top-bar` > `.top-bar__wrapper` >
 *   `<a role="button" class="conversation-header">` > `.conversation-header__text` >
 *   `<p class="title">` = the conversation's display name: text, NOT a heading.
 * - Right sidebar (src/components/RightSidebar/RightSidebar.vue, NcAppSidebar): `aside#app-sidebar-vue`
 *   whose header `h2.app-sidebar-header__mainname` is the only heading with the name; shown on
 *   wide viewports, hidden (v-show) below 1024 px like NcAppSidebar on mobile (useIsMobile).
 * - Call button (src/components/TopBar/CallButton.vue), an NcButton (`button-vue…`):
 *   Talk 20/21 `id="call_button"` in every state, Talk 22 classes `join-call` / `leave-call`.
 *   Names "Start call" | "Join call" (a call is running) | "Connecting …" (Talk 21/22, while
 *   joining the call); disabled until the conversation is joined. In call: Talk 22 an inline
 *   "Leave call"; Talk ≤ 21 owners/moderators an NcActions trigger "Leave call ▼" whose menu
 *   (`role="menu"`) has "Leave call" and "End call for everyone" (DELETE …/call/{token} with
 *   `all=true`), plain participants a plain "Leave call" `#call_button`.
 * - In call, TopBarMenu.vue's NcActions "Conversation actions" has "Check devices" (22) /
 *   "Media settings" (≤ 21), which reopens the device dialog.
 * - Device dialog (src/components/MediaSettings/MediaSettings.vue, NcModal `.modal-mask`
 *   `role="dialog"`): heading "Check devices" naming the dialog (22, `label-id`) or "Media
 *   settings" (≤ 21, no label-id: the dialog has no accessible name); Devices/Backgrounds as
 *   `role="tab"` tabs (22) or two NcButtons (≤ 21); Backgrounds only when the virtual background
 *   is supported (src/utils/media/pipeline/VirtualBackground.js isSupported(), per version);
 *   NcModal's close button "Close"; the dialog's own CallButton joins the call.
 * - Backgrounds (src/components/MediaSettings/VideoBackgroundEditor.vue): plain
 *   `<button class="background-editor__element">` "None", "Blur", "Upload", "Files" and the
 *   predefined image tiles; the chosen one has `background-editor__element--selected` (no
 *   aria-pressed/aria-selected); "Blur" is `disabled` while the effect is not available (it
 *   failed to load). The choice is stored per conversation in @nextcloud/browser-storage scope
 *   `talk` (src/services/BrowserStorage.js: `getBuilder('talk').persist().build()`), i.e.
 *   localStorage keys `nextcloud_per_dGFsaw==_virtualBackgroundEnabled_<token>` = `true` and
 *   `…_virtualBackgroundType_<token>` = `blur` (nextcloud-browser-storage lib/ScopedStorage.ts:
 *   `${GLOBAL_SCOPE_PERSISTENT='nextcloud_per'}_${btoa(scope)}_${key}`). There is no global blur
 *   state (no OCA.Talk.blurState): the effect's state is the selected tile, the stored type, the
 *   worker's file loads and console messages, and the video itself.
 *
 * Decisions of the double where Talk leaves a choice (kept from before):
 * - Peers: one RTCPeerConnection per other session in the call, created with the global
 *   `window.RTCPeerConnection` at call time; ICE servers = the settings' stunservers +
 *   turnservers; `iceTransportPolicy` from
 *   `OCA.Talk.SimpleWebRTC.webrtc.config.peerConnectionConfig.iceTransportPolicy` when set before
 *   joining (the hook docs/reference/talk-reference.md section 10 names). The session whose id sorts lower sends
 *   the offer. Remote videos: `video.remote-video`.
 * - Blur: the worker compiles the wasm (instantiateStreaming, Talk's console messages on failure)
 *   and fetches the model; the page then draws the camera through a canvas `filter: blur(12px)`
 *   and sends and previews that canvas track. A background choice applies at once, in and out of
 *   a call.
 */

/** Where nginx serves the client files from (relative to the Talk app folder). */
export const CALL_SCRIPT = 'js/talk-call.js';
export const BLUR_WORKER_SCRIPT = 'js/talk-JitsiStreamBackgroundEffect.worker.worker.js';

/** Talk's predefined virtual backgrounds (lib/Capabilities.php `predefined-backgrounds`, img/backgrounds/). */
export const PREDEFINED_BACKGROUNDS = ['1_office.jpg', '2_home.jpg', '3_abstract.jpg', '4_beach.jpg', '5_park.jpg', '6_theater.jpg', '7_library.jpg', '8_space_station.jpg'];

/** The client files' sources, keyed by their path in the app folder. */
export function callPageFiles(): Record<string, string> {
  const read = (name: string) => readFileSync(new URL(`./client/${name}`, import.meta.url), 'utf8');
  return { [CALL_SCRIPT]: read('talk-call.js'), [BLUR_WORKER_SCRIPT]: read('blur-worker.js') };
}

export interface CallPageOptions {
  token: string;
  /** The conversation's name as the user sees it, when the user is in it; the page sets it after joining anyway. */
  conversationName: string | null;
  nonce: string;
  /** Cache buster like Talk's `?v=` (any stable value). */
  version: string;
  ui: UiProfile;
  /** Capabilities as `@nextcloud/capabilities` reads them (initial state `core`/`capabilities`). */
  capabilities: Record<string, unknown>;
}

/**
 * Nextcloud's initial state (lib/private/InitialStateService.php, core/templates/layout.user.php):
 * one hidden input per app/key, base64 of the JSON value, read by @nextcloud/initial-state loadState().
 */
export function initialState(app: string, key: string, value: unknown): string {
  const v = Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
  return `<input type="hidden" id="initial-state-${escapeHtml(app)}-${escapeHtml(key)}" value="${v}">`;
}

/** The body of the conversation page. */
export function callPageBody(o: CallPageOptions): string {
  const e = escapeHtml;
  const name = e(o.conversationName ?? '');
  return `${initialState('core', 'capabilities', o.capabilities)}
${initialState('spreed', 'call_enabled', true)}
<div id="content" class="app-spreed" role="main">
<div id="content-vue" class="content">
<main class="app-content">
	<div class="top-bar top-bar--authorised">
		<div class="top-bar__wrapper">
			<a role="button" class="conversation-header">
				<div class="conversation-header__text">
					<p class="title">${name}</p>
				</div>
			</a>
		</div>
	</div>
	<div class="call-view">
		<video id="localVideo" class="video local-video" muted autoplay playsinline width="320" height="240"></video>
		<div id="remote-videos" class="remote-videos"></div>
	</div>
</main>
<aside id="app-sidebar-vue" class="app-sidebar">
	<header class="app-sidebar-header">
		<div class="app-sidebar-header__desc">
			<h2 class="app-sidebar-header__mainname" title="${name}">${name}</h2>
		</div>
	</header>
</aside>
</div>
</div>
<script nonce="${o.nonce}" src="/apps/spreed/${CALL_SCRIPT}?v=${e(o.version)}"></script>`;
}
