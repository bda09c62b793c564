import { check, test } from '../../../fixtures/index.ts';

const c = check('https.browser.secure-context');
// Playwright's trace is a worker option: every browser spec runs untraced (the call and TURN pages
// receive Talk's TURN credentials, which a trace would record), so all browser checks share one
// worker and one browser per project (issue 14). A failure keeps its screenshot and evidence.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ talkPage, target, evidence }) => {
  // Talk's page redirects to the login page when logged out; both are on the same origin, and
  // the secure context is a property of the origin, so no login is needed to certify it.
  const nav = await test.step('open Talk in the browser', () => talkPage.open('apps/spreed/'));
  const env = await test.step('read the page environment', () =>
    talkPage.page.evaluate(() => ({
      isSecureContext: window.isSecureContext,
      protocol: location.protocol,
      getUserMedia: typeof navigator.mediaDevices?.getUserMedia === 'function',
      rtcPeerConnection: typeof RTCPeerConnection === 'function',
      userAgent: navigator.userAgent,
    })));
  // The secure context is the origin's, so any page of it tells; but a page that is not Talk's
  // (a 404 where Talk is not installed, an error page) is said, so nobody reads this as "Talk's
  // page works" (issue 12 point 10).
  const notOk = nav.status !== null && (nav.status < 200 || nav.status > 299);
  const pageNote = notOk
    ? `; the page opened (${nav.finalUrl}) answered HTTP ${nav.status}${nav.status === 404 ? ' (not found: Talk is not installed or not reachable there; see talk.installed)' : ''}, the result is that origin's`
    : '';
  evidence.add('navigation', nav).add('page', env).add('privateCaAccepted', Boolean(target.caFile)).add('pageStatusOk', !notOk);
  evidence.observed(
    `${env.protocol}// isSecureContext=${env.isSecureContext}, getUserMedia ${env.getUserMedia ? 'present' : 'missing'}, RTCPeerConnection ${env.rtcPeerConnection ? 'present' : 'missing'}${pageNote}`,
  );
  // A browser build without WebRTC at all (some WebKit builds on Linux) says nothing about the
  // platform: the page can be a secure context and still have no RTCPeerConnection.
  if (!env.rtcPeerConnection && env.isSecureContext) {
    return evidence.notApplicable('this browser build has no WebRTC (RTCPeerConnection is undefined even in a secure context); Talk calls cannot run in it');
  }
  evidence.requireAll([
    [env.isSecureContext, `${nav.finalUrl} is not a secure context (${env.protocol}//), so the browser withholds camera, microphone and screen sharing${pageNote}`],
    [env.getUserMedia, 'navigator.mediaDevices.getUserMedia is not available: participants cannot send audio or video'],
    [env.rtcPeerConnection, 'RTCPeerConnection is not available in this browser'],
  ]);
});
