import { check, test } from '../../../fixtures/index.ts';
import { browserSupport } from '../../../src/talk/browser-support.ts';

const c = check('browser.supported');
// Playwright's trace is a worker option: every browser spec runs untraced (the call and TURN pages
// receive Talk's TURN credentials, which a trace would record), so all browser checks share one
// worker and one browser per project (issue 14). A failure keeps its screenshot and evidence.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ talkPage, browser, talkBrowser, evidence }) => {
  const name = talkBrowser?.name ?? browser.browserType().name();
  const support = browserSupport(name, browser.version());
  // What Talk needs from the browser beyond its version: calls (WebRTC, getUserMedia on a secure
  // origin, see https.browser.secure-context) and background blur (WebAssembly, SIMD for the fast
  // build, WebGL2 for Talk >= 22.0.3). Recorded for the operator; the platform is not judged on them.
  await talkPage.open('apps/spreed/');
  const features = await talkPage.page.evaluate(() => {
    const gl2 = document.createElement('canvas').getContext('webgl2');
    return {
      userAgent: navigator.userAgent,
      rtcPeerConnection: typeof RTCPeerConnection === 'function',
      getUserMedia: typeof navigator.mediaDevices?.getUserMedia === 'function',
      webAssembly: typeof WebAssembly === 'object',
      webAssemblySimd:
        typeof WebAssembly === 'object' &&
        WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])),
      webgl2: gl2 !== null,
      canvasFilter: 'filter' in CanvasRenderingContext2D.prototype,
    };
  });
  evidence
    .add('browser', { name, label: talkBrowser?.label ?? null, version: browser.version() })
    .add('support', support)
    .add('features', features);
  evidence.observed(`${support.family} ${browser.version()}: ${support.supported ? 'supported' : 'not supported'}`);
  evidence.require(support.supported, support.note);
});
