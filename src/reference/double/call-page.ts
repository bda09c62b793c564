import { readFileSync } from 'node:fs';
import { escapeHtml } from './context.ts';

/**
 * The Talk double's call page (`/call/{token}`): small, but what the suite's call check sees on
 * Talk 22.0.2 (talk-reference.md sections 4, 6, 7; /work/notes/call-contract.md). Markup here,
 * behaviour in client/talk-call.js (served from disk as `/apps/spreed/js/talk-call.js`), the blur
 * worker in client/blur-worker.js (`/apps/spreed/js/talk-JitsiStreamBackgroundEffect.worker.worker.js`).
 *
 * What a test can rely on (decisions of the double where Talk leaves a choice):
 * - On load the page joins the conversation (POST …/room/{token}/participants/active), reads the
 *   signaling settings and starts the internal-signaling long poll; the heading (h2) shows the
 *   conversation's display name. The top-bar button (class `join-call`) reads "Connecting …"
 *   (disabled) until then, "Start call" or "Join call" (a call is running) after.
 * - Its click opens the modal: role `dialog` named "Check devices", tabs "Devices" and
 *   "Backgrounds" (the latter only when WebAssembly and the canvas 2D `filter` exist, like Talk's
 *   wasm-check gate), Backgrounds has buttons "None" and "Blur" with `aria-pressed`. While the
 *   modal is open the rest of the page is `aria-hidden`, so `getByRole('button', { name: 'Start
 *   call' })` finds the dialog's own button, which joins the call (POST …/call/{token}, flags 7).
 * - In call: "Leave call" (class `leave-call`, DELETE …/call/{token}; the conversation session
 *   stays until the page is left, as in Talk) and "Media settings" (class `media-settings`),
 *   which reopens the same dialog (without a call button) to toggle blur during the call;
 *   "Close" or Escape closes it. Blur can also be chosen before joining: the call then starts
 *   with the blurred video.
 * - Peers: one RTCPeerConnection per other session in the call, created with the global
 *   `window.RTCPeerConnection` at call time; ICE servers = the settings' stunservers +
 *   turnservers; `iceTransportPolicy` from
 *   `OCA.Talk.SimpleWebRTC.webrtc.config.peerConnectionConfig.iceTransportPolicy` when set before
 *   joining. The session whose id sorts lower (string order) sends the offer; answers and
 *   candidates (`{candidate:{candidate, sdpMid, sdpMLineIndex}}`) go back over the same signaling.
 *   Remote videos: `#remote-videos video.remote-video[data-session-id]` with
 *   `data-connection-state`.
 * - Blur state: `window.OCA.Talk.blurState` = 'off' | 'loading' | 'active' | 'failed' (also
 *   `data-blur-state` on `#talk-reference`). Active = the worker compiled the wasm and fetched the
 *   model; the page then draws the camera through a canvas `filter: blur(12px)` and sends and
 *   previews that canvas track: `#localVideo` (in call) and the dialog's preview video show it.
 *   Failed = the worker logged Talk's "tflite compilation failed" error; "Blur" is disabled.
 */

/** Where nginx serves the client files from (relative to the Talk app folder). */
export const CALL_SCRIPT = 'js/talk-call.js';
export const BLUR_WORKER_SCRIPT = 'js/talk-JitsiStreamBackgroundEffect.worker.worker.js';

/** The client files' sources, keyed by their path in the app folder. */
export function callPageFiles(): Record<string, string> {
  const read = (name: string) => readFileSync(new URL(`./client/${name}`, import.meta.url), 'utf8');
  return { [CALL_SCRIPT]: read('talk-call.js'), [BLUR_WORKER_SCRIPT]: read('blur-worker.js') };
}

export interface CallPageOptions {
  token: string;
  userId: string;
  displayName: string;
  /** The conversation's name as the user sees it, when the user is in it; the page sets it after joining anyway. */
  conversationName: string | null;
  nonce: string;
  /** Cache buster like Talk's `?v=` (any stable value). */
  version: string;
}

/** The body of the call page. */
export function callPageBody(o: CallPageOptions): string {
  const e = escapeHtml;
  return `<div id="content" class="app-spreed" role="main">
<div id="talk-reference" data-user-id="${e(o.userId)}" data-display-name="${e(o.displayName)}" data-token="${e(o.token)}" data-blur-state="off">
<div id="call-main">
<header id="top-bar" class="top-bar">
	<h2 id="conversation-name" class="conversation-header__name">${e(o.conversationName ?? '')}</h2>
	<button type="button" class="button-vue button-vue--vue-success join-call" disabled><span class="button-vue__text">Connecting …</span></button>
	<button type="button" class="button-vue button-vue--vue-secondary media-settings" hidden><span class="button-vue__text">Media settings</span></button>
	<button type="button" class="button-vue button-vue--vue-error leave-call" hidden><span class="button-vue__text">Leave call</span></button>
</header>
<p id="call-status" role="status"></p>
<div id="call-view" class="call-view">
	<video id="localVideo" class="video local-video" muted autoplay playsinline width="320" height="240"></video>
	<div id="remote-videos" class="remote-videos"></div>
</div>
</div>
<div id="media-settings" class="modal-mask" role="dialog" aria-modal="true" aria-labelledby="media-settings-title" hidden>
	<div class="modal-container media-settings">
		<h2 id="media-settings-title" class="media-settings__title">Check devices</h2>
		<div role="tablist" aria-label="Media settings" class="media-settings__tabs">
			<button type="button" role="tab" id="tab-devices" aria-controls="panel-devices" aria-selected="true">Devices</button>
			<button type="button" role="tab" id="tab-backgrounds" aria-controls="panel-backgrounds" aria-selected="false" tabindex="-1">Backgrounds</button>
		</div>
		<video class="preview" muted autoplay playsinline width="320" height="240"></video>
		<div role="tabpanel" id="panel-devices" aria-labelledby="tab-devices">
			<p>Camera and microphone of this browser.</p>
		</div>
		<div role="tabpanel" id="panel-backgrounds" aria-labelledby="tab-backgrounds" hidden>
			<button type="button" id="background-none" class="background-editor__element" aria-pressed="true">None</button>
			<button type="button" id="background-blur" class="background-editor__element" aria-pressed="false">Blur</button>
		</div>
		<div class="media-settings__call-buttons">
			<button type="button" class="button-vue button-vue--vue-success join-call" disabled><span class="button-vue__text">Connecting …</span></button>
		</div>
		<button type="button" class="modal-close" aria-label="Close">×</button>
	</div>
</div>
</div>
</div>
<script nonce="${o.nonce}" src="/apps/spreed/${CALL_SCRIPT}?v=${e(o.version)}"></script>`;
}
