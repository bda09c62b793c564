/*
 * talk-certify reference platform: the conversation page script of the Talk double (stand-in for
 * the part of Talk 20.1 / 21.1 / 22.0.2's web client that the suite's call, blur and mobile checks
 * drive). Served from disk by nginx as /apps/spreed/js/talk-call.js. The Talk release comes from
 * the capabilities in the initial state (`spreed.version`, as @nextcloud/capabilities reads them);
 * markup, sources and decisions are documented in ../call-page.ts.
 */
(() => {
  'use strict';

  const token = (/\/call\/([a-z0-9]{4,30})/.exec(location.pathname) || [])[1];
  const requestToken = document.head.dataset.requesttoken;
  const API = '/ocs/v2.php/apps/spreed/api/';
  /** Talk's web client flushes queued signaling messages every 500 ms (src/utils/signaling.js). */
  const SIGNALING_FLUSH_MS = 500;
  /** ... and retries a failed pull after 10 s. */
  const SIGNALING_RETRY_MS = 10000;
  const FLAG_IN_CALL = 1;
  const FLAGS_AUDIO_VIDEO = 7;
  /** Attendee types that may end the call for everyone (CallButton.vue canEndForAll: owner, moderator, guest moderator). */
  const MODERATOR_TYPES = [1, 2, 6];
  const BLUR_WORKER = '/apps/spreed/js/talk-JitsiStreamBackgroundEffect.worker.worker.js';
  /** The blur filter: strong enough that every frame visibly differs from the camera's. */
  const BLUR_FILTER = 'blur(12px)';
  const BLUR_FPS = 15;
  /** NcAppSidebar / useIsMobile: below this width the sidebar starts closed. */
  const MOBILE_WIDTH = 1024;

  /** @nextcloud/initial-state loadState(): base64 JSON in `#initial-state-<app>-<key>`. */
  function loadState(app, key, fallback) {
    const el = document.getElementById(`initial-state-${app}-${key}`);
    if (!el) return fallback;
    try {
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(el.value), (c) => c.charCodeAt(0))));
    } catch {
      return fallback;
    }
  }

  const capabilities = loadState('core', 'capabilities', {});
  const talkVersion = String((capabilities.spreed && capabilities.spreed.version) || '22.0.2');
  const major = Number.parseInt(talkVersion, 10) || 22;
  const callConfig = (capabilities.spreed && capabilities.spreed.config && capabilities.spreed.config.call) || {};

  /** What differs per Talk release (../../ui-profiles.ts; sources in ../call-page.ts). */
  const UI = {
    callButtonId: major <= 21,
    callButtonAriaLabel: major >= 21,
    connectingLabel: major >= 21,
    leaveMenuForModerators: major <= 21,
    dialogHeading: major <= 21 ? 'Media settings' : 'Check devices',
    dialogNamed: major >= 22,
    tabs: major >= 22 ? 'tabs' : 'toggle-buttons',
    settingsAction: major <= 21 ? 'Media settings' : 'Check devices',
    blurNeedsCanvasFilter: major <= 21,
  };

  /** @nextcloud/browser-storage, scope `talk`, persistent (src/services/BrowserStorage.js; lib/ScopedStorage.ts). */
  const STORAGE_PREFIX = `nextcloud_per_${btoa('talk')}_`;
  const BrowserStorage = {
    getItem: (k) => localStorage.getItem(STORAGE_PREFIX + k),
    setItem: (k, v) => localStorage.setItem(STORAGE_PREFIX + k, v),
    removeItem: (k) => localStorage.removeItem(STORAGE_PREFIX + k),
  };

  // OCA.Talk.SimpleWebRTC: the hook docs/reference/talk-reference.md section 10 names for forcing relay. Keep
  // whatever a test's init script put there before us.
  const OCA = (window.OCA = window.OCA || {});
  const Talk = (OCA.Talk = OCA.Talk || {});
  Talk.SimpleWebRTC = Talk.SimpleWebRTC || {};
  Talk.SimpleWebRTC.webrtc = Talk.SimpleWebRTC.webrtc || {};
  Talk.SimpleWebRTC.webrtc.config = Talk.SimpleWebRTC.webrtc.config || {};
  Talk.SimpleWebRTC.webrtc.config.peerConnectionConfig = Talk.SimpleWebRTC.webrtc.config.peerConnectionConfig || {};

  const $ = (sel, root = document) => root.querySelector(sel);
  const title = $('.conversation-header .title');
  const sidebar = $('#app-sidebar-vue');
  const sidebarName = $('#app-sidebar-vue .app-sidebar-header__mainname');
  const topBar = $('.top-bar');
  const topBarWrapper = $('.top-bar__wrapper');
  const localVideo = $('#localVideo');
  const remoteVideos = $('#remote-videos');

  // NcAppSidebar is v-show: open by default on wide viewports, closed on phones.
  if (window.innerWidth < MOBILE_WIDTH) sidebar.style.display = 'none';

  const state = {
    sessionId: null,
    participantType: 0,
    joined: false,
    hasCall: false,
    inCall: false,
    joiningCall: false,
    leaving: false,
    settings: null,
    /** sessionId -> RTCPeerConnection */
    peers: new Map(),
    /** sessionId -> its remote <video> */
    videos: new Map(),
    /** sessionId -> candidates received before the remote description */
    pendingCandidates: new Map(),
    queue: [],
    camera: null,
    blur: null,
    /** VirtualBackground isAvailable(): supported and not failed to load. */
    blurLoadFailed: false,
    polling: false,
    lastUsers: null,
  };

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
  // @nextcloud/vue components as they render

  /** Material design icon as vue-material-design-icons renders it (one generic path: the icons are not what the suite reads). */
  function icon() {
    return '<span aria-hidden="true" role="img" class="material-design-icon"><svg fill="currentColor" width="20" height="20" viewBox="0 0 24 24"><path d="M12 2A10 10 0 1 0 22 12 10 10 0 0 0 12 2Z"></path></svg></span>';
  }

  /** NcButton: `button.button-vue.button-vue--vue-<type>` with icon and text spans. */
  function ncButton({ text = '', type = 'secondary', ariaLabel = null, id = null, extraClass = '', disabled = false, title = '' }) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `button-vue button-vue--size-normal ${text ? 'button-vue--icon-and-text' : 'button-vue--icon-only'} button-vue--vue-${type}${extraClass ? ` ${extraClass}` : ''}`;
    if (id) b.id = id;
    if (ariaLabel) b.setAttribute('aria-label', ariaLabel);
    if (title) b.title = title;
    b.disabled = disabled;
    b.innerHTML = `<span class="button-vue__wrapper"><span class="button-vue__icon">${icon()}</span>${text ? '<span class="button-vue__text"></span>' : ''}</span>`;
    if (text) $('.button-vue__text', b).textContent = text;
    return b;
  }

  let menuSeq = 0;
  let openMenu = null;
  /**
   * NcActions with a menu: the trigger (an NcButton with `aria-haspopup="menu"`) and, while open,
   * the popper appended to the body with `ul[role=menu]` of NcActionButtons (`role="menuitem"`).
   */
  function ncActions({ menuName = '', ariaLabel = null, type = 'tertiary', items }) {
    const root = document.createElement('div');
    root.className = 'action-item';
    const trigger = ncButton({ text: menuName, type, ariaLabel, extraClass: 'action-item__menutoggle' });
    const menuId = `menu-${++menuSeq}`;
    trigger.setAttribute('aria-haspopup', 'menu');
    trigger.setAttribute('aria-expanded', 'false');
    root.append(trigger);
    let popper = null;
    const close = () => {
      if (!popper) return;
      popper.remove();
      popper = null;
      trigger.setAttribute('aria-expanded', 'false');
      trigger.removeAttribute('aria-controls');
      if (openMenu === close) openMenu = null;
    };
    const open = () => {
      if (openMenu) openMenu();
      popper = document.createElement('div');
      popper.className = 'v-popper__popper v-popper--theme-dropdown v-popper__popper--shown';
      const r = trigger.getBoundingClientRect();
      popper.style.cssText = `position: absolute; z-index: 100000; top: ${Math.round(r.bottom + window.scrollY)}px; left: ${Math.round(r.left + window.scrollX)}px;`;
      popper.innerHTML = `<div class="v-popper__wrapper"><div class="v-popper__inner"><div id="${menuId}" tabindex="-1"><ul role="menu"></ul></div></div></div>`;
      const ul = $('ul', popper);
      for (const item of items) {
        const li = document.createElement('li');
        li.className = 'action';
        li.setAttribute('role', 'presentation');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'action-button button-vue';
        b.setAttribute('role', 'menuitem');
        b.innerHTML = `<span class="action-button__icon">${icon()}</span><span class="action-button__longtext-wrapper"><span class="action-button__text"></span></span>`;
        $('.action-button__text', b).textContent = item.text;
        b.addEventListener('click', () => {
          close();
          item.onClick();
        });
        li.append(b);
        ul.append(li);
      }
      document.body.append(popper);
      trigger.setAttribute('aria-expanded', 'true');
      trigger.setAttribute('aria-controls', menuId);
      openMenu = close;
      const first = $('[role=menuitem]', popper);
      if (first) first.focus();
    };
    trigger.addEventListener('click', (e) => {
      e.stopPropagation();
      popper ? close() : open();
    });
    return { root, trigger, close };
  }
  document.addEventListener('click', (e) => {
    if (openMenu && !(e.target instanceof Element && e.target.closest('.v-popper__popper'))) openMenu();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && openMenu) openMenu();
  });

  // ------------------------------------------------------------------------------------------
  // CallButton.vue

  function startCallLabel() {
    if (state.hasCall) return 'Join call';
    if (state.joiningCall && UI.connectingLabel) return 'Connecting …';
    return 'Start call';
  }

  /** The start button (top bar, or the dialog's own with is-media-settings). */
  function startButton(inDialog) {
    const label = startCallLabel();
    const b = ncButton({
      text: label,
      type: state.hasCall ? 'success' : 'primary',
      ariaLabel: UI.callButtonAriaLabel ? label : null,
      id: UI.callButtonId ? 'call_button' : null,
      extraClass: UI.callButtonId ? '' : 'join-call',
      disabled: !state.joined || state.joiningCall,
    });
    b.addEventListener('click', () => (inDialog ? void joinCall() : openDialog()));
    return b;
  }

  function leaveControl() {
    const canEndForAll = MODERATOR_TYPES.includes(state.participantType);
    if (UI.leaveMenuForModerators && canEndForAll) {
      // leaveCallCombinedLabel = 'Leave call' + ' ▼'; Talk 21 also sets it as aria-label.
      const actions = ncActions({
        menuName: 'Leave call ▼',
        ariaLabel: major >= 21 ? 'Leave call ▼' : null,
        type: 'error',
        items: [
          { text: 'Leave call', onClick: () => void leaveCall(false) },
          { text: 'End call for everyone', onClick: () => void leaveCall(true) },
        ],
      });
      actions.trigger.disabled = state.leaving;
      return actions.root;
    }
    const b = ncButton({
      text: 'Leave call',
      type: 'error',
      ariaLabel: UI.callButtonAriaLabel ? 'Leave call' : null,
      id: UI.callButtonId ? 'call_button' : null,
      extraClass: UI.callButtonId ? '' : 'leave-call',
      disabled: state.leaving,
    });
    b.addEventListener('click', () => void leaveCall(false));
    return b;
  }

  // The top bar's parts that change: TopBarMenu (in call) and CallButton's root <div>.
  const topBarMenu = document.createElement('div');
  topBarMenu.className = 'top-bar-menu';
  const callButtonRoot = document.createElement('div');
  topBarWrapper.append(topBarMenu, callButtonRoot);

  function renderTopBar() {
    topBar.classList.toggle('top-bar--in-call', state.inCall);
    callButtonRoot.replaceChildren(state.inCall ? leaveControl() : startButton(false));
    if (state.inCall) {
      const menu = ncActions({ ariaLabel: 'Conversation actions', type: 'tertiary', items: [{ text: UI.settingsAction, onClick: openDialog }] });
      menu.trigger.title = 'Conversation actions';
      topBarMenu.replaceChildren(menu.root);
    } else {
      topBarMenu.replaceChildren();
    }
    if (dialog) renderDialogCallButton();
  }

  async function joinConversation() {
    const res = await ocs('POST', `v4/room/${token}/participants/active`, { force: 'true' });
    if (res.status !== 200 || !res.data) {
      console.error(`Could not join the conversation (HTTP ${res.status})`);
      return;
    }
    state.sessionId = res.data.sessionId;
    state.hasCall = Boolean(res.data.hasCall);
    state.participantType = Number(res.data.participantType) || 0;
    title.textContent = res.data.displayName;
    sidebarName.textContent = res.data.displayName;
    sidebarName.title = res.data.displayName;
    document.title = `${res.data.displayName} - Talk - Nextcloud`;
    const settings = await ocs('GET', 'v3/signaling/settings', { token });
    if (settings.status !== 200 || !settings.data) {
      console.error(`Could not read the signaling settings (HTTP ${settings.status})`);
      return;
    }
    state.settings = settings.data;
    state.joined = true;
    renderTopBar();
    void pullLoop();
    setInterval(flushSignaling, SIGNALING_FLUSH_MS);
  }

  // ------------------------------------------------------------------------------------------
  // MediaSettings.vue (NcModal) and VideoBackgroundEditor.vue

  let dialog = null;

  /** VirtualBackground.isSupported() of this release (wasm-check support(), canvas filter, WebGL). */
  function virtualBackgroundSupported() {
    return wasmSupported() && (canvasFilterSupported() || (!UI.blurNeedsCanvasFilter && webglSupported()));
  }

  /** wasm-check `support()`: WebAssembly exists and validates the minimal module. */
  function wasmSupported() {
    try {
      return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    } catch {
      return false;
    }
  }

  function canvasFilterSupported() {
    try {
      return typeof document.createElement('canvas').getContext('2d').filter !== 'undefined';
    } catch {
      return false;
    }
  }

  function webglSupported() {
    try {
      const c = document.createElement('canvas');
      return Boolean(c.getContext('webgl2') || c.getContext('webgl'));
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

  /** VideoBackgroundEditor.vue loadBackground(): the selected tile from browser storage. */
  function storedBackground() {
    if (BrowserStorage.getItem(`virtualBackgroundEnabled_${token}`) === 'true') {
      const type = BrowserStorage.getItem(`virtualBackgroundType_${token}`);
      if (type === 'blur') return 'blur';
      if (type === 'image') return BrowserStorage.getItem(`virtualBackgroundUrl_${token}`) || 'none';
    }
    return 'none';
  }

  const PREDEFINED_LABELS = {
    '1_office': 'Select virtual office background',
    '2_home': 'Select virtual home background',
    '3_abstract': 'Select virtual abstract background',
    '4_beach': 'Select virtual beach background',
    '5_park': 'Select virtual park background',
    '6_theater': 'Select virtual theater background',
    '7_library': 'Select virtual library background',
    '8_space_station': 'Select virtual space station background',
  };

  function predefinedBackgroundUrls() {
    if (Array.isArray(callConfig['predefined-backgrounds-v2'])) return callConfig['predefined-backgrounds-v2'];
    return (callConfig['predefined-backgrounds'] || []).map((f) => `/apps/spreed/img/backgrounds/${f}`);
  }

  function renderBackgroundEditor(container) {
    const selected = dialog.selectedBackground;
    const editor = document.createElement('div');
    editor.className = 'background-editor';
    const tile = (key, text, onClick) => {
      const b = document.createElement('button');
      b.className = 'background-editor__element';
      if (key !== null && selected === key) b.classList.add('background-editor__element--selected');
      b.innerHTML = icon();
      b.append(document.createTextNode(text));
      b.addEventListener('click', onClick);
      return b;
    };
    editor.append(tile('none', 'None', () => selectBackground('none')));
    const blur = tile('blur', 'Blur', () => selectBackground('blur'));
    blur.disabled = state.blurLoadFailed;
    editor.append(blur);
    const urls = predefinedBackgroundUrls();
    const input = document.createElement('input');
    input.id = 'custom-background-file';
    input.className = 'hidden-visually';
    input.multiple = true;
    input.type = 'file';
    input.tabIndex = -1;
    input.setAttribute('aria-hidden', 'true');
    if (urls.length) {
      if (callConfig['can-upload-background']) {
        // Upload: the hidden file input; Files: Nextcloud's file picker (not modelled: nothing opens).
        editor.append(tile(null, 'Upload', () => input.click()));
        const isCustom = selected !== 'none' && selected !== 'blur' && !urls.includes(selected);
        const files = tile(null, 'Files', () => {});
        if (isCustom) files.classList.add('background-editor__element--selected');
        editor.append(files);
      }
      for (const url of urls) {
        const b = document.createElement('button');
        const fileName = url.split('/').pop().split('.').shift();
        const label = PREDEFINED_LABELS[fileName] || `Select virtual background from file ${fileName}`;
        b.setAttribute('aria-label', label);
        b.title = label;
        b.className = 'background-editor__element';
        if (selected === url) b.classList.add('background-editor__element--selected');
        b.style.backgroundImage = `url(${url})`;
        b.addEventListener('click', () => selectBackground(url));
        editor.append(b);
      }
    }
    editor.append(input);
    container.replaceChildren(editor);
  }

  /** MediaSettings.vue handleUpdateVirtualBackground / handleUpdateBackground: preview and call follow the choice. */
  function selectBackground(background) {
    dialog.selectedBackground = background;
    if (background === 'blur') {
      BrowserStorage.setItem(`virtualBackgroundEnabled_${token}`, 'true');
      BrowserStorage.setItem(`virtualBackgroundType_${token}`, 'blur');
      renderDialogBody();
      void enableBlur();
    } else if (background === 'none') {
      BrowserStorage.removeItem(`virtualBackgroundEnabled_${token}`);
      renderDialogBody();
      disableBlur();
    } else {
      BrowserStorage.setItem(`virtualBackgroundEnabled_${token}`, 'true');
      BrowserStorage.setItem(`virtualBackgroundType_${token}`, 'image');
      BrowserStorage.setItem(`virtualBackgroundUrl_${token}`, background);
      renderDialogBody();
      // Image backgrounds are not modelled: the camera goes out unchanged.
      disableBlur();
    }
  }

  let modalSeq = 0;
  function openDialog() {
    if (dialog) return;
    const id = ++modalSeq;
    const mask = document.createElement('div');
    mask.className = 'modal-mask';
    mask.setAttribute('role', 'dialog');
    mask.setAttribute('aria-modal', 'true');
    // NcModal: aria-labelledby = labelId (Talk 22 passes the heading's id) or its own name header
    // `modal-name-<id>`, which is not rendered without a name: Talk ≤ 21's dialog has no name.
    const headingId = `media-settings-header-${id}`;
    mask.setAttribute('aria-labelledby', UI.dialogNamed ? headingId : `modal-name-${id}`);
    mask.style.cssText = 'position: fixed; inset: 0; z-index: 9998; background-color: rgba(0, 0, 0, 0.5); overflow: auto;';
    mask.innerHTML = `<div class="modal-wrapper modal-wrapper--${UI.dialogNamed ? 'large' : 'normal'}">
			<div class="modal-container" style="background: #fff; margin: 5vh auto; max-width: 900px; padding: 12px; position: relative;">
				<div class="modal-container__content">
					<div class="media-settings">
						<h2 class="media-settings__title"></h2>
						<div class="media-settings__preview"><video class="preview__video" muted autoplay playsinline disablepictureinpicture tabindex="-1" width="320" height="240"></video></div>
						<div class="media-settings__tabs-area"></div>
						<div class="media-settings__tab-content"></div>
						<div class="media-settings__call-buttons"></div>
					</div>
				</div>
				<button type="button" class="modal-container__close button-vue button-vue--size-normal button-vue--icon-only button-vue--vue-tertiary" aria-label="Close"><span class="button-vue__wrapper"><span class="button-vue__icon">${icon()}</span></span></button>
			</div>
		</div>`;
    const heading = $('.media-settings__title', mask);
    heading.textContent = UI.dialogHeading;
    if (UI.dialogNamed) {
      heading.id = headingId;
      heading.classList.add('nc-dialog-alike-header');
    }
    dialog = {
      mask,
      preview: $('video', mask),
      // Talk 22 opens on Devices; the Vue 2 dialog (≤ 21) starts with neither shown (`tabContent: 'none'`).
      tab: UI.tabs === 'tabs' ? 'devices' : 'none',
      selectedBackground: storedBackground(),
    };
    $('.modal-container__close', mask).addEventListener('click', closeDialog);
    mask.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !openMenu) closeDialog();
    });
    document.body.append(mask);
    renderDialogBody();
    renderDialogCallButton();
    // MediaSettings.vue (watch modal): a stored blur is applied to the preview when the dialog opens.
    if (dialog.selectedBackground === 'blur' && !state.blur && !state.blurLoadFailed && virtualBackgroundSupported()) void enableBlur();
    void ensureCamera().then(showLocalStream);
    const focus = $('.media-settings__call-buttons button', mask) || $('.modal-container__close', mask);
    focus.focus();
  }

  function closeDialog() {
    if (!dialog) return;
    dialog.mask.remove();
    dialog = null;
  }

  function renderDialogBody() {
    if (!dialog) return;
    const area = $('.media-settings__tabs-area', dialog.mask);
    const content = $('.media-settings__tab-content', dialog.mask);
    const available = virtualBackgroundSupported();
    if (!available && dialog.tab === 'backgrounds') dialog.tab = UI.tabs === 'tabs' ? 'devices' : 'none';
    if (UI.tabs === 'tabs') {
      const list = document.createElement('div');
      list.className = 'media-settings__tabs';
      list.setAttribute('role', 'tablist');
      const mk = (key, text) => {
        const t = document.createElement('button');
        t.type = 'button';
        t.setAttribute('role', 'tab');
        t.id = `tab-${key}`;
        t.setAttribute('aria-controls', `tab-panel-${key}`);
        t.setAttribute('aria-selected', String(dialog.tab === key));
        t.tabIndex = dialog.tab === key ? 0 : -1;
        t.textContent = text;
        t.addEventListener('click', () => {
          dialog.tab = key;
          renderDialogBody();
        });
        return t;
      };
      list.append(mk('devices', 'Devices'));
      if (available) list.append(mk('backgrounds', 'Backgrounds'));
      area.replaceChildren(list);
      const panel = document.createElement('div');
      panel.setAttribute('role', 'tabpanel');
      panel.id = `tab-panel-${dialog.tab}`;
      panel.setAttribute('aria-labelledby', `tab-${dialog.tab}`);
      content.replaceChildren(panel);
      if (dialog.tab === 'backgrounds') renderBackgroundEditor(panel);
      else panel.textContent = 'Camera and microphone of this browser.';
    } else {
      const prefs = document.createElement('div');
      prefs.className = 'media-settings__call-preferences';
      const mk = (key, text) => {
        const b = ncButton({ text, type: dialog.tab === key ? 'secondary' : 'tertiary' });
        // toggleTab(): a second click hides the tab again.
        b.addEventListener('click', () => {
          dialog.tab = dialog.tab === key ? 'none' : key;
          renderDialogBody();
        });
        return b;
      };
      prefs.append(mk('devices', 'Devices'));
      if (available) prefs.append(mk('backgrounds', 'Backgrounds'));
      area.replaceChildren(prefs);
      if (dialog.tab === 'backgrounds') renderBackgroundEditor(content);
      else if (dialog.tab === 'devices') {
        const sel = document.createElement('div');
        sel.className = 'media-settings__device-selection';
        sel.textContent = 'Camera and microphone of this browser.';
        content.replaceChildren(sel);
      } else content.replaceChildren();
    }
  }

  function renderDialogCallButton() {
    if (!dialog) return;
    const area = $('.media-settings__call-buttons', dialog.mask);
    area.replaceChildren(...(state.inCall ? [] : [startButton(true)]));
  }

  // ------------------------------------------------------------------------------------------
  // Media

  async function ensureCamera() {
    if (!state.camera) {
      try {
        state.camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      } catch (err) {
        console.error('Error while accessing microphone & camera', err);
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
    for (const v of [dialog && dialog.preview, localVideo]) {
      if (!v) continue;
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

  async function enableBlur() {
    if (state.blur) return;
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
      // VirtualBackground: _loadFailed, isAvailable() false from now on: "Blur" is disabled.
      state.blurLoadFailed = true;
      renderDialogBody();
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
    replaceOutgoingVideo();
  }

  function disableBlur() {
    const blur = state.blur;
    state.blur = null;
    if (blur) {
      blur.worker.terminate();
      clearInterval(blur.timer);
      if (blur.track) blur.track.stop();
      if (blur.source) blur.source.srcObject = null;
    }
    replaceOutgoingVideo();
  }

  // ------------------------------------------------------------------------------------------
  // Internal signaling (docs/reference/talk-reference.md section 4)

  function send(to, type, payload) {
    state.queue.push({ to, sid: String(Date.now()), roomType: 'video', type, payload });
  }

  async function flushSignaling() {
    if (state.queue.length === 0 || !state.sessionId) return;
    const batch = state.queue.splice(0);
    const messages = JSON.stringify(batch.map((m) => ({ ev: 'message', fn: JSON.stringify(m), sessionId: state.sessionId })));
    const res = await ocs('POST', `v3/signaling/${token}`, { messages }).catch(() => ({ status: 0 }));
    if (res.status !== 200) console.error(`Signaling message not sent (HTTP ${res.status})`);
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
        console.error('Disconnected from the conversation');
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

  /** `stale`: a list received before our call join was answered (it cannot know we are in the call). */
  async function usersInRoom(users, stale = false) {
    state.lastUsers = users;
    const own = users.find((u) => u.sessionId === state.sessionId);
    // Someone ended the call for everyone (or removed us from it): leave it here too.
    if (state.inCall && !stale && !state.leaving && own && (own.inCall & FLAG_IN_CALL) === 0) {
      leaveLocally();
      console.info('The call was ended');
    }
    const others = users.filter((u) => u.sessionId !== state.sessionId);
    const othersInCall = others.filter((u) => (u.inCall & FLAG_IN_CALL) !== 0);
    const hadCall = state.hasCall;
    state.hasCall = state.inCall || othersInCall.length > 0;
    if (hadCall !== state.hasCall) renderTopBar();
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
    state.videos.set(sessionId, video);
    remoteVideos.append(video);
    pc.ontrack = (e) => {
      video.srcObject = e.streams[0] || new MediaStream([e.track]);
      void video.play().catch(() => {});
    };
    return pc;
  }

  function closePeer(sessionId) {
    const pc = state.peers.get(sessionId);
    if (!pc) return;
    pc.close();
    state.peers.delete(sessionId);
    state.pendingCandidates.delete(sessionId);
    const v = state.videos.get(sessionId);
    state.videos.delete(sessionId);
    if (v) v.remove();
  }

  // ------------------------------------------------------------------------------------------
  // Call

  async function joinCall() {
    state.joiningCall = true;
    renderTopBar();
    console.info('Joining call');
    await ensureCamera();
    const res = await ocs('POST', `v4/call/${token}`, { flags: String(FLAGS_AUDIO_VIDEO) });
    state.joiningCall = false;
    if (res.status !== 200) {
      console.error(`Could not join the call (HTTP ${res.status})`);
      renderTopBar();
      return;
    }
    state.inCall = true;
    state.hasCall = true;
    closeDialog();
    showLocalStream();
    renderTopBar();
    const leave = $('button', callButtonRoot);
    if (leave) leave.focus();
    // The poll that the call join woke up may have been answered before we knew we are in the call.
    if (state.lastUsers) await usersInRoom(state.lastUsers, true);
  }

  function leaveLocally() {
    for (const id of [...state.peers.keys()]) closePeer(id);
    state.inCall = false;
    renderTopBar();
  }

  /** CallButton.vue leaveCall(endMeetingForAll): DELETE …/call/{token}, with `all` when ending it for everyone. */
  async function leaveCall(all) {
    console.info(all ? 'End meeting for everyone' : 'Leaving call');
    state.leaving = true;
    renderTopBar();
    for (const id of [...state.peers.keys()]) closePeer(id);
    const res = await ocs('DELETE', `v4/call/${token}`, all ? { all: 'true' } : undefined);
    state.leaving = false;
    state.inCall = false;
    if (all && res.status === 200) state.hasCall = false;
    renderTopBar();
  }

  // Leaving the page leaves the conversation (Talk does this on unload too).
  window.addEventListener('pagehide', () => {
    if (state.sessionId) {
      void fetch(`${API}v4/room/${token}/participants/active`, {
        method: 'DELETE',
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'OCS-APIRequest': 'true', requesttoken: requestToken },
      });
    }
  });

  renderTopBar();
  void joinConversation();
})();
