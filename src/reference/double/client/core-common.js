/*
 * talk-certify reference platform: stand-in for Nextcloud core's common bundle (dist/core-common.js),
 * reduced to what pages of a logged-in user expose to apps and tests: the `OC` global with
 * `OC.requestToken` (core/src/OC/requesttoken: the token from `<head data-requesttoken>`),
 * `OC.webroot` and `OC.generateUrl(url, params, options)` (@nextcloud/router generateUrl: webroot,
 * then `/index.php` unless mod_rewrite/pretty URLs work, then the URL with `{name}` parameters
 * filled in URI-encoded). The double's nginx serves pretty URLs (`OC.config.modRewriteWorking`).
 */
(() => {
  'use strict';
  const webroot = typeof window._oc_webroot === 'string' ? window._oc_webroot : '';
  const config = { modRewriteWorking: true };
  const fill = (url, params) =>
    url.replace(/{([^{}]*)}/g, (whole, key) => {
      const v = params && params[key];
      return typeof v === 'string' || typeof v === 'number' ? encodeURIComponent(String(v)) : whole;
    });
  const OC = (window.OC = window.OC || {});
  OC.webroot = webroot;
  OC.config = Object.assign(OC.config || {}, config);
  Object.defineProperty(OC, 'requestToken', { configurable: true, enumerable: true, get: () => document.head.dataset.requesttoken || null });
  OC.generateUrl = (url, params, options) => {
    const opts = Object.assign({ escape: true, noRewrite: false }, options || {});
    const path = opts.escape ? fill(url, params) : url;
    if (OC.config.modRewriteWorking === true && !opts.noRewrite) return `${webroot}${path}`;
    return `${webroot}/index.php${path}`;
  };
})();
