/*
 * talk-certify reference platform: stand-in for the first-run wizard (app firstrunwizard, on by
 * default in Nextcloud 30–32), as a user meets it after the intro animation: src/first-run.ts opens
 * it on DOMContentLoaded; src/views/App.vue renders an NcModal with `id="firstrunwizard"` and
 * class `first-run-wizard` (NcModal's root `.modal-mask`, `role="dialog"`, `aria-modal`, labelled
 * by its own name header, which App.vue does not fill: the dialog has no accessible name);
 * src/components/SlideShow.vue adds the close button (aria-label "Close") and the page's buttons;
 * the first page (src/components/pages/KeyNotes.vue) is titled "A collaboration platform that
 * puts you in control". The full-screen mask takes every pointer event meant for the page below.
 * Closing sends `DELETE generateUrl('/apps/firstrunwizard/wizard')` with the request token
 * (App.vue close(), @nextcloud/axios adds `requesttoken` and `X-Requested-With`), so that the
 * wizard does not come back.
 */
(() => {
  'use strict';
  const open = () => {
    const uid = Math.random().toString(36).slice(2, 9);
    const mask = document.createElement('div');
    mask.id = 'firstrunwizard';
    mask.className = 'modal-mask first-run-wizard modal-mask--dark';
    mask.setAttribute('role', 'dialog');
    mask.setAttribute('aria-modal', 'true');
    mask.setAttribute('aria-labelledby', `modal-name-${uid}`);
    mask.setAttribute('aria-describedby', `modal-description-${uid}`);
    mask.style.cssText = 'position: fixed; inset: 0; z-index: 9998; background-color: rgba(0, 0, 0, 0.92); display: block;';
    mask.innerHTML = `<div class="modal-wrapper modal-wrapper--normal" style="display: flex; align-items: center; justify-content: center; height: 100%;">
	<div class="modal-container" style="background: #fff; border-radius: 12px; width: min(900px, 100%); position: relative;">
		<div class="modal-container__content">
			<div class="first-run-wizard__slideshow" style="padding: 20px; min-height: 400px;">
				<button type="button" class="button-vue button-vue--size-normal button-vue--icon-only button-vue--vue-tertiary-on-primary" aria-label="Close" style="position: absolute; top: 4px; right: 4px;"><span class="button-vue__wrapper"><span class="button-vue__icon"><span aria-hidden="true" role="img" class="icon-vue"><svg viewBox="0 0 24 24" width="20" height="20"><path d="M19,6.41L17.59,5L12,10.59L6.41,5L5,6.41L10.59,12L5,17.59L6.41,19L12,13.41L17.59,19L19,17.59L13.41,12L19,6.41Z"></path></svg></span></span></span></button>
				<div class="first-run-wizard__page">
					<h2>A collaboration platform that puts you in control</h2>
					<ul>
						<li><h3>Privacy</h3><p>Host your data and files where you decide.</p></li>
						<li><h3>Productivity</h3><p>Collaborate and communicate across any platform.</p></li>
						<li><h3>Interoperability</h3><p>Import and export anything you want with open standards.</p></li>
						<li><h3>Community</h3><p>Enjoy constant improvements from a thriving open-source community.</p></li>
					</ul>
				</div>
				<div class="first-run-wizard__buttons">
					<button type="button" class="button-vue button-vue--size-normal button-vue--vue-secondary"><span class="button-vue__wrapper"><span class="button-vue__text">What's new?</span></span></button>
					<button type="button" class="button-vue button-vue--size-normal button-vue--vue-primary button-vue--wide"><span class="button-vue__wrapper"><span class="button-vue__text">Let's get set up</span></span></button>
				</div>
			</div>
		</div>
	</div>
</div>`;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      mask.remove();
      // Important: Do not show again automatically (App.vue close()).
      void fetch(window.OC.generateUrl('/apps/firstrunwizard/wizard'), {
        method: 'DELETE',
        credentials: 'same-origin',
        headers: { requesttoken: window.OC.requestToken, 'X-Requested-With': 'XMLHttpRequest' },
      })
        // axios reads the answer.
        .then((r) => r.text())
        .catch(() => {});
    };
    mask.querySelector('[aria-label="Close"]').addEventListener('click', close);
    // NcModal closes on Escape.
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') close();
    });
    document.body.append(mask);
    mask.querySelector('[aria-label="Close"]').focus();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', open);
  else open();
})();
