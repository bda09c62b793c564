import { devices } from '@playwright/test';
import { check, test } from '../../../fixtures/call.ts';
import { launchEngine } from '../../../fixtures/call-browsers.ts';
import { logIn } from '../../../fixtures/call-flow.ts';

const c = check('mobile.web');
/** Playwright's phone descriptor (Chromium: isMobile, touch, a phone's viewport and user agent). */
const PHONE = 'Pixel 7';
// The Talk page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ callSession, evidence, target }) => {
  if (callSession.talkMissing) return evidence.notRun(callSession.talkMissing);
  const cr = await launchEngine('chromium', target);
  if (!cr.browser) return evidence.notRun(`phone emulation (isMobile) needs Chromium: ${cr.reason}`);
  try {
    const phone = devices[PHONE]!;
    evidence.add('device', { name: PHONE, viewport: phone.viewport, userAgent: phone.userAgent, isMobile: phone.isMobile, hasTouch: phone.hasTouch }).add('browser', `${cr.label} ${cr.browser.version()}`);
    const users = await test.step('the user: a throwaway user (admin credentials) or the configured one', () => callSession.users(1));
    evidence.add('users', { mode: users.mode, a: users.a.user });
    const conversation = await test.step('create the conversation through the API', () => callSession.conversation());
    const a = await test.step('log in through the login page on the phone', () =>
      logIn(evidence, users.mode, () => callSession.participant('phone', users.a, cr.browser!, { contextOptions: { ...phone } })),
    );
    evidence.add('login', a.login);
    const seen = await test.step('open the conversation on the phone', async () => {
      const nav = await a.call.open(callSession.baseUrl, conversation.token);
      const heading = await a.call.heading(conversation.name).waitFor({ timeout: 30_000 }).then(() => true, () => false);
      const button = heading ? await a.call.callButton.waitFor({ timeout: 30_000 }).then(() => true, () => false) : false;
      const box = button ? await a.call.callButton.boundingBox() : null;
      const vp = a.page.viewportSize();
      const inViewport = Boolean(box && vp && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 1 && box.y + box.height <= vp.height + 1);
      await a.screenshot(`phone-${PHONE.replace(/\s/g, '-')}.png`);
      return { nav, heading, button, buttonBox: box, viewport: vp, inViewport };
    });
    evidence.add('conversationPage', seen).add('console', a.console);
    evidence.observed(
      `logged in (${a.login.landedOn}); ${seen.heading ? `heading "${conversation.name}" shown` : 'no conversation heading'}, ${seen.button ? `call button ${seen.inViewport ? 'inside' : 'outside'} the ${seen.viewport?.width}×${seen.viewport?.height} viewport` : 'no call button'}`,
    );
    evidence.requireAll([
      [seen.heading, `the conversation page (${seen.nav.url}, HTTP ${seen.nav.status}) shows no heading "${conversation.name}" on the phone`],
      [seen.button, 'no "Start call"/"Join call" button on the phone'],
      [!seen.button || seen.inViewport, `the call button lies outside the phone's viewport (${JSON.stringify(seen.buttonBox)})`],
    ]);
  } finally {
    await cr.browser.close();
  }
});
