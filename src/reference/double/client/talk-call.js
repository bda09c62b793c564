/*
 * talk-certify reference platform: the call page script of the Talk double (stand-in for the
 * part of Talk 22.0.2's web client that the suite's call check drives). Served from disk by nginx
 * as /apps/spreed/js/talk-call.js; contract and decisions are in ../call-page.ts.
 */
(() => {
	'use strict';

	const root = document.getElementById('talk-reference');
	const token = root.dataset.token;
	const requestToken = document.head.dataset.requesttoken;
	const API = '/ocs/v2.php/apps/spreed/api/';
	/** Talk's web client flushes queued signaling messages every 500 ms (src/utils/signaling.js). */
	const SIGNALING_FLUSH_MS = 500;
	/** ... and retries a failed pull after 10 s. */
	const SIGNALING_RETRY_MS = 10000;
	const FLAG_IN_CALL = 1;
	const FLAGS_AUDIO_VIDEO = 7;
	const BLUR_WORKER = '/apps/spreed/js/talk-JitsiStreamBackgroundEffect.worker.worker.js';
	/** The blur filter: strong enough that every frame visibly differs from the camera's. */
	const BLUR_FILTER = 'blur(12px)';
	const BLUR_FPS = 15;

	// OCA.Talk as tests see it. Keep whatever a test's init script put there before us.
	const OCA = (window.OCA = window.OCA || {});
	const Talk = (OCA.Talk = OCA.Talk || {});
	Talk.SimpleWebRTC = Talk.SimpleWebRTC || {};
	Talk.SimpleWebRTC.webrtc = Talk.SimpleWebRTC.webrtc || {};
	Talk.SimpleWebRTC.webrtc.config = Talk.SimpleWebRTC.webrtc.config || {};
	Talk.SimpleWebRTC.webrtc.config.peerConnectionConfig = Talk.SimpleWebRTC.webrtc.config.peerConnectionConfig || {};
	Talk.blurState = 'off';

	const $ = (sel) => document.querySelector(sel);
	const heading = $('#conversation-name');
	const callButton = $('#top-bar .join-call');
	const leaveButton = $('#top-bar .leave-call');
	const mediaSettingsButton = $('#top-bar .media-settings');
	const main = $('#call-main');
	const dialog = $('#media-settings');
	const dialogCallButton = $('#media-settings .join-call');
	const dialogClose = $('#media-settings .modal-close');
	const tabDevices = $('#tab-devices');
	const tabBackgrounds = $('#tab-backgrounds');
	const panelDevices = $('#panel-devices');
	const panelBackgrounds = $('#panel-backgrounds');
	const noneButton = $('#background-none');
	const blurButton = $('#background-blur');
	const previewVideo = $('#media-settings video');
	const localVideo = $('#localVideo');
	const remoteVideos = $('#remote-videos');
	const statusLine = $('#call-status');

	const state = {
		sessionId: null,
		joined: false,
		hasCall: false,
		inCall: false,
		settings: null,
		/** sessionId -> RTCPeerConnection */
		peers: new Map(),
		/** sessionId -> candidates received before the remote description */
		pendingCandidates: new Map(),
		queue: [],
		camera: null,
		blur: null,
		polling: false,
		lastUsers: null,
	};
	Talk.callState = state;

	function setStatus(text) {
		statusLine.textContent = text;
	}

	async function ocs(method, path, params) {
		const url = new URL(API + path, location.origin);
		const init = { method, credentials: 'same-origin', headers: { 'OCS-APIRequest': 'true', Accept: 'application/json', requesttoken: requestToken } };
		if (params && method === 'GET') for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
		else if (params) init.body = new URLSearchParams(params);
		const res = await fetch(url, init);
		const text = await res.text();
		let data = null;
		try {
			data = JSON.parse(text).ocs.data;
		} catch {}
		return { status: res.status, data };
	}

	// ------------------------------------------------------------------------------------------
	// Top bar

	function renderCallButtons() {
		callButton.hidden = state.inCall;
		leaveButton.hidden = !state.inCall;
		mediaSettingsButton.hidden = !state.inCall;
		for (const b of [callButton, dialogCallButton]) {
			b.disabled = !state.joined;
			b.querySelector('.button-vue__text').textContent = !state.joined ? 'Connecting …' : state.hasCall ? 'Join call' : 'Start call';
		}
		dialogCallButton.hidden = state.inCall;
	}

	async function joinConversation() {
		const res = await ocs('POST', `v4/room/${token}/participants/active`, { force: 'true' });
		if (res.status !== 200 || !res.data) {
			setStatus(`Could not join the conversation (HTTP ${res.status})`);
			return;
		}
		state.sessionId = res.data.sessionId;
		state.hasCall = Boolean(res.data.hasCall);
		heading.textContent = res.data.displayName;
		document.title = `${res.data.displayName} - Talk - Nextcloud`;
		const settings = await ocs('GET', 'v3/signaling/settings', { token });
		if (settings.status !== 200 || !settings.data) {
			setStatus(`Could not read the signaling settings (HTTP ${settings.status})`);
			return;
		}
		state.settings = settings.data;
		state.joined = true;
		renderCallButtons();
		setStatus('');
		void pullLoop();
		setInterval(flushSignaling, SIGNALING_FLUSH_MS);
	}

	// ------------------------------------------------------------------------------------------
	// Device dialog

	let mainWasHidden = null;
	function openDialog() {
		dialog.hidden = false;
		// The rest of the page is hidden from assistive technology while the modal is open.
		mainWasHidden = main.getAttribute('aria-hidden');
		main.setAttribute('aria-hidden', 'true');
		selectTab(tabDevices);
		renderCallButtons();
		void ensureCamera().then(showLocalStream);
		dialogCallButton.hidden ? dialogClose.focus() : dialogCallButton.focus();
	}

	function closeDialog() {
		dialog.hidden = true;
		if (mainWasHidden === null) main.removeAttribute('aria-hidden');
		else main.setAttribute('aria-hidden', mainWasHidden);
	}

	function selectTab(tab) {
		for (const [t, p] of [
			[tabDevices, panelDevices],
			[tabBackgrounds, panelBackgrounds],
		]) {
			const on = t === tab;
			t.setAttribute('aria-selected', String(on));
			t.tabIndex = on ? 0 : -1;
			p.hidden = !on;
		}
	}

	/** Talk gates virtual backgrounds on WebAssembly (wasm-check support()) and the canvas 2D `filter`. */
	function virtualBackgroundAvailable() {
		if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') return false;
		try {
			return 'filter' in document.createElement('canvas').getContext('2d');
		} catch {
			return false;
		}
	}

	/** wasm-check `feature.simd`: does this browser validate a module with a v128 instruction? */
	function wasmSimd() {
		try {
			// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt) — the probe wasm-check uses.
			return WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]));
		} catch {
			return false;
		}
	}

	// ------------------------------------------------------------------------------------------
	// Media

	async function ensureCamera() {
		if (!state.camera) {
			try {
				state.camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
			} catch (err) {
				setStatus(`No camera or microphone: ${err && err.message}`);
				state.camera = new MediaStream();
			}
		}
		return state.camera;
	}

	/** The stream others get: the blurred canvas video while blur is active, else the camera's. */
	function outgoingStream() {
		const cam = state.camera || new MediaStream();
		if (!state.blur || !state.blur.track) return cam;
		return new MediaStream([...cam.getAudioTracks(), state.blur.track]);
	}

	function showLocalStream() {
		const s = outgoingStream();
		for (const v of [previewVideo, localVideo]) {
			if (v.srcObject !== s) v.srcObject = s;
			void v.play().catch(() => {});
		}
	}

	function replaceOutgoingVideo() {
		const track = outgoingStream().getVideoTracks()[0] || null;
		for (const pc of state.peers.values()) {
			for (const sender of pc.getSenders()) if (sender.track && sender.track.kind === 'video') void sender.replaceTrack(track);
		}
		showLocalStream();
	}

	// ------------------------------------------------------------------------------------------
	// Blur: a worker compiles the wasm and fetches the model like Talk's; the page applies the blur.

	function setBlurButtons(type) {
		noneButton.setAttribute('aria-pressed', String(type === 'none'));
		blurButton.setAttribute('aria-pressed', String(type === 'blur'));
	}

	function setBlurState(s) {
		Talk.blurState = s;
		root.dataset.blurState = s;
	}

	async function enableBlur() {
		if (state.blur) return;
		setBlurButtons('blur');
		setBlurState('loading');
		const blur = (state.blur = { worker: new Worker(BLUR_WORKER), track: null, timer: null });
		const result = await new Promise((resolve) => {
			blur.worker.onmessage = (e) => resolve(e.data && e.data.message);
			blur.worker.onerror = () => resolve('loadFailed');
			blur.worker.postMessage({ message: 'makeTFLite', isSimd: wasmSimd() });
		});
		if (state.blur !== blur) return;
		if (result !== 'loaded') {
			blur.worker.terminate();
			state.blur = null;
			setBlurState('failed');
			setBlurButtons('none');
			blurButton.disabled = true;
			blurButton.title = 'Blur is not available: the web server may not be properly configured to send wasm and/or tflite files.';
			return;
		}
		await ensureCamera();
		const source = document.createElement('video');
		source.muted = true;
		source.playsInline = true;
		source.srcObject = new MediaStream(state.camera.getVideoTracks());
		await source.play().catch(() => {});
		const canvas = document.createElement('canvas');
		const settings = (state.camera.getVideoTracks()[0] && state.camera.getVideoTracks()[0].getSettings()) || {};
		canvas.width = settings.width || 640;
		canvas.height = settings.height || 480;
		const ctx = canvas.getContext('2d');
		const draw = () => {
			if (source.readyState >= 2) {
				ctx.filter = BLUR_FILTER;
				ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
			}
		};
		draw();
		blur.timer = setInterval(draw, 1000 / BLUR_FPS);
		blur.source = source;
		blur.track = canvas.captureStream(BLUR_FPS).getVideoTracks()[0];
		setBlurState('active');
		replaceOutgoingVideo();
	}

	function disableBlur() {
		setBlurButtons('none');
		const blur = state.blur;
		state.blur = null;
		if (blur) {
			blur.worker.terminate();
			clearInterval(blur.timer);
			if (blur.track) blur.track.stop();
			if (blur.source) blur.source.srcObject = null;
		}
		if (Talk.blurState !== 'failed') setBlurState('off');
		replaceOutgoingVideo();
	}

	// ------------------------------------------------------------------------------------------
	// Internal signaling (talk-reference.md section 4)

	function send(to, type, payload) {
		state.queue.push({ to, sid: String(Date.now()), roomType: 'video', type, payload });
	}

	async function flushSignaling() {
		if (state.queue.length === 0 || !state.sessionId) return;
		const batch = state.queue.splice(0);
		const messages = JSON.stringify(batch.map((m) => ({ ev: 'message', fn: JSON.stringify(m), sessionId: state.sessionId })));
		const res = await ocs('POST', `v3/signaling/${token}`, { messages }).catch(() => ({ status: 0 }));
		if (res.status !== 200) setStatus(`Signaling message not sent (HTTP ${res.status})`);
	}

	async function pullLoop() {
		if (state.polling) return;
		state.polling = true;
		for (;;) {
			let res;
			try {
				res = await ocs('GET', `v3/signaling/${token}`);
			} catch {
				res = { status: 0, data: null };
			}
			if (res.status === 404 || res.status === 409) {
				setStatus('Disconnected from the conversation');
				state.polling = false;
				return;
			}
			if (res.status !== 200 || !Array.isArray(res.data)) {
				await new Promise((r) => setTimeout(r, SIGNALING_RETRY_MS));
				continue;
			}
			for (const item of res.data) {
				try {
					if (item.type === 'usersInRoom') await usersInRoom(item.data);
					else if (item.type === 'message') await onMessage(typeof item.data === 'string' ? JSON.parse(item.data) : item.data);
				} catch (err) {
					console.error('talk-certify reference: signaling message failed', err);
				}
			}
		}
	}

	async function usersInRoom(users) {
		state.lastUsers = users;
		const others = users.filter((u) => u.sessionId !== state.sessionId);
		const othersInCall = others.filter((u) => (u.inCall & FLAG_IN_CALL) !== 0);
		const hadCall = state.hasCall;
		state.hasCall = state.inCall || othersInCall.length > 0;
		if (hadCall !== state.hasCall) renderCallButtons();
		if (!state.inCall) return;
		const inCallIds = new Set(othersInCall.map((u) => u.sessionId));
		for (const id of [...state.peers.keys()]) if (!inCallIds.has(id)) closePeer(id);
		for (const u of othersInCall) {
			// Decision of the reference double: the session id that sorts lower sends the offer.
			if (!state.peers.has(u.sessionId) && state.sessionId < u.sessionId) {
				const pc = createPeer(u.sessionId);
				const offer = await pc.createOffer();
				await pc.setLocalDescription(offer);
				send(u.sessionId, 'offer', { type: 'offer', sdp: pc.localDescription.sdp, nick: '' });
			}
		}
	}

	async function onMessage(msg) {
		if (!state.inCall || !msg || msg.roomType !== 'video') return;
		const from = msg.from;
		if (msg.type === 'offer') {
			closePeer(from);
			const pc = createPeer(from);
			await pc.setRemoteDescription({ type: 'offer', sdp: msg.payload.sdp });
			await drainCandidates(from, pc);
			const answer = await pc.createAnswer();
			await pc.setLocalDescription(answer);
			send(from, 'answer', { type: 'answer', sdp: pc.localDescription.sdp, nick: '' });
		} else if (msg.type === 'answer') {
			const pc = state.peers.get(from);
			if (!pc) return;
			await pc.setRemoteDescription({ type: 'answer', sdp: msg.payload.sdp });
			await drainCandidates(from, pc);
		} else if (msg.type === 'candidate') {
			const c = msg.payload && msg.payload.candidate;
			if (!c) return;
			const pc = state.peers.get(from);
			if (pc && pc.remoteDescription) await pc.addIceCandidate(c);
			else {
				if (!state.pendingCandidates.has(from)) state.pendingCandidates.set(from, []);
				state.pendingCandidates.get(from).push(c);
			}
		}
	}

	async function drainCandidates(from, pc) {
		const list = state.pendingCandidates.get(from) || [];
		state.pendingCandidates.delete(from);
		for (const c of list) await pc.addIceCandidate(c).catch(() => {});
	}

	// ------------------------------------------------------------------------------------------
	// Peers

	function iceServers() {
		const s = state.settings || {};
		const stun = (s.stunservers || []).map((x) => ({ urls: x.urls }));
		const turn = (s.turnservers || []).map((x) => ({ urls: x.urls, username: x.username, credential: x.credential }));
		return [...stun, ...turn];
	}

	function createPeer(sessionId) {
		const config = { iceServers: iceServers() };
		const policy = Talk.SimpleWebRTC.webrtc.config.peerConnectionConfig.iceTransportPolicy;
		if (policy) config.iceTransportPolicy = policy;
		// The global constructor at call time: tests may wrap it (addInitScript) to watch peers.
		const pc = new window.RTCPeerConnection(config);
		state.peers.set(sessionId, pc);
		for (const track of outgoingStream().getTracks()) pc.addTrack(track, outgoingStream());
		pc.onicecandidate = (e) => {
			if (e.candidate) send(sessionId, 'candidate', { candidate: { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } });
		};
		const video = document.createElement('video');
		video.className = 'remote-video';
		video.autoplay = true;
		video.playsInline = true;
		video.dataset.sessionId = sessionId;
		remoteVideos.append(video);
		pc.ontrack = (e) => {
			video.srcObject = e.streams[0] || new MediaStream([e.track]);
			void video.play().catch(() => {});
		};
		pc.onconnectionstatechange = () => {
			video.dataset.connectionState = pc.connectionState;
			renderPeerStatus();
		};
		renderPeerStatus();
		return pc;
	}

	function closePeer(sessionId) {
		const pc = state.peers.get(sessionId);
		if (!pc) return;
		pc.close();
		state.peers.delete(sessionId);
		state.pendingCandidates.delete(sessionId);
		const v = remoteVideos.querySelector(`video[data-session-id="${CSS.escape(sessionId)}"]`);
		if (v) v.remove();
		renderPeerStatus();
	}

	function renderPeerStatus() {
		if (!state.inCall) return setStatus('');
		const states = [...state.peers.values()].map((pc) => pc.connectionState);
		setStatus(states.length === 0 ? 'Waiting for others to join the call …' : `Peers: ${states.join(', ')}`);
	}

	// ------------------------------------------------------------------------------------------
	// Call

	async function joinCall() {
		dialogCallButton.disabled = true;
		callButton.disabled = true;
		await ensureCamera();
		const res = await ocs('POST', `v4/call/${token}`, { flags: String(FLAGS_AUDIO_VIDEO) });
		if (res.status !== 200) {
			setStatus(`Could not join the call (HTTP ${res.status})`);
			renderCallButtons();
			return;
		}
		state.inCall = true;
		state.hasCall = true;
		closeDialog();
		showLocalStream();
		renderCallButtons();
		renderPeerStatus();
		leaveButton.focus();
		// The poll that the call join woke up may have been answered before we knew we are in the call.
		if (state.lastUsers) await usersInRoom(state.lastUsers);
	}

	async function leaveCall() {
		leaveButton.disabled = true;
		for (const id of [...state.peers.keys()]) closePeer(id);
		state.inCall = false;
		await ocs('DELETE', `v4/call/${token}`);
		leaveButton.disabled = false;
		renderCallButtons();
		setStatus('');
	}

	callButton.addEventListener('click', openDialog);
	dialogCallButton.addEventListener('click', () => void joinCall());
	leaveButton.addEventListener('click', () => void leaveCall());
	mediaSettingsButton.addEventListener('click', openDialog);
	dialogClose.addEventListener('click', closeDialog);
	dialog.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') closeDialog();
	});
	tabDevices.addEventListener('click', () => selectTab(tabDevices));
	tabBackgrounds.addEventListener('click', () => selectTab(tabBackgrounds));
	noneButton.addEventListener('click', disableBlur);
	blurButton.addEventListener('click', () => void enableBlur());
	tabBackgrounds.hidden = !virtualBackgroundAvailable();
	// Leaving the page leaves the conversation (Talk does this on unload too).
	window.addEventListener('pagehide', () => {
		if (state.sessionId) {
			void fetch(`${API}v4/room/${token}/participants/active`, { method: 'DELETE', keepalive: true, credentials: 'same-origin', headers: { 'OCS-APIRequest': 'true', requesttoken: requestToken } });
		}
	});

	renderCallButtons();
	void joinConversation();
})();
