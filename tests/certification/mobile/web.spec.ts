import { devices } from '@playwright/test';
import { check, logIn, requireConversationJoined, test } from '../../../fixtures/call.ts';
import { BROWSER_HOW, launchEngine } from '../../../fixtures/call-browsers.ts';

const c = check('mobile.web');
/** Playwright's phone descriptor (Chromium: isMobile, touch, a phone's viewport and user agent). */
const PHONE = 'Pixel 7';
// The Talk page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ callSession, evidence, target }) => {
  if (callSession.talkMissing) return evidence.notRun(callSession.talkMissing);
  const cr = await launchEngine('chromium', target);
  if (!cr.browser) return evidence.notRun(`phone emulation (isMobile) needs Chromium: ${cr.reason}`, { class: 'environment', how: BROWSER_HOW });
  try {
    const phone = devices[PHONE]!;
    evidence
      .add('device', { name: PHONE, viewport: phone.viewport, userAgent: phone.userAgent, isMobile: phone.isMobile, hasTouch: phone.hasTouch })
      .add('browser', `${cr.label} ${cr.browser.version()}`);
    const users = await test.step('the user: a throwaway user (admin credentials) or the configured one', () => callSession.users(1));
    evidence.add('users', { mode: users.mode, a: users.a.user });
    const conversation = await test.step('create the conversation through the API', () => callSession.conversation());
    const a = await test.step('log in through the login page on the phone', () =>
      logIn(evidence, users.mode, () => callSession.participant('phone', users.a, cr.browser!, { contextOptions: { ...phone } })));
    evidence.add('login', a.login).add('firstRunWizard', a.wizard);
    const nav = await test.step('open the conversation on the phone', () => a.call.open(callSession.baseUrl, conversation.token));
    // Loaded = the call button enabled as "Start call"/"Join call" (Talk 22's top bar has no heading,
    // and the sidebar with the name's h2 is closed on phones); the top bar's title goes into evidence.
    const shown = await callSession.uiStep('the phone shows the conversation joined (call button "Start call"/"Join call" enabled)', () => a.call.waitForConversation());
    requireConversationJoined(evidence, 'phone', shown);
    const box = await a.call.callButton.boundingBox();
    const vp = a.page.viewportSize();
    const inViewport = Boolean(box && vp && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 1 && box.y + box.height <= vp.height + 1);
    await a.screenshot(`phone-${PHONE.replace(/\s/g, '-')}.png`);
    evidence.add('conversationPage', { nav, shown, buttonBox: box, viewport: vp, inViewport }).add('console', a.console);
    evidence.observed(
      `logged in (${a.login.landedOn}); conversation joined (top bar title ${shown.topBarTitle ? `"${shown.topBarTitle}"` : 'not found'}), call button "${shown.callButton}" ${inViewport ? 'inside' : 'outside'} the ${vp?.width}×${vp?.height} viewport`,
    );
    evidence.require(inViewport, `the call button lies outside the phone's viewport (${JSON.stringify(box)})`);
  } finally {
    await cr.browser.close();
  }
});
