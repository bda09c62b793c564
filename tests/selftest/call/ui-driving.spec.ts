import { type Browser, type Page, type TestInfo, chromium, expect, test } from '@playwright/test';
import { couldNotDrive, isUiDrivingError, logIn, runUiStep } from '../../../fixtures/call.ts';
import { EvidenceRecorder } from '../../../fixtures/check.ts';
import { detectBrowser } from '../../../src/browsers/detect.ts';
import { LoginPageError, LoginRejectedError, TalkCallPage, dismissFirstRunWizard, talkUiFor } from '../../../src/talk/ui/index.ts';
import { checkDefinition } from '../../../src/verdict/catalogue.ts';

/**
 * The call checks' UI driving against small pages with real Talk / Nextcloud markup (served by
 * page.route on a made-up origin, no platform): the first-run wizard dismissed as its close button
 * does (firstrunwizard src/App.vue), a device dialog locator that never matches the wizard, Talk
 * ≤ 21's leave menu for moderators and Talk 22's plain button (spreed
 * src/components/TopBar/CallButton.vue), the selected Blur tile (VideoBackgroundEditor.vue, no
 * aria state), the conversation-loaded proof without a heading, and uiStep: a step that cannot
 * drive the UI is not-run with "could not drive Talk <version>'s UI at step <step>" and a
 * screenshot, while a failed requirement stays a failure.
 */

const ORIGIN = 'https://talk.test';
const TOKEN = 'abc123';

/** The first-run wizard as Nextcloud 30–32 renders it: an NcModal, itself `role="dialog"`. */
const WIZARD = `<div id="firstrunwizard" class="modal-mask first-run-wizard" role="dialog" aria-modal="true" aria-labelledby="frw-name">
  <div class="modal-container"><h2 id="frw-name">A collaboration platform that puts you in control</h2><button aria-label="Close">×</button></div></div>`;

/** Talk 21 top bar, moderator in the call: the NcActions trigger "Leave call ▼" (no id) and its menu. */
const TALK21_IN_CALL_MODERATOR = `
<div class="top-bar"><div class="conversation-header"><div class="conversation-header__text"><p class="title">Team call</p></div></div>
  <div class="action-item">
    <button type="button" class="action-item__menutoggle button-vue button-vue--vue-error" aria-haspopup="menu" aria-expanded="false" id="trigger">
      <span class="button-vue__text">Leave call ▼</span></button>
    <div id="menu" hidden><ul role="menu">
      <li role="presentation"><button role="menuitem" class="action-button" id="leave-only"><span class="action-button__text">Leave call</span></button></li>
      <li role="presentation"><button role="menuitem" class="action-button" id="end-all"><span class="action-button__text">End call for everyone</span></button></li>
    </ul></div>
  </div></div>
<script>
  window.clicked = [];
  document.getElementById('trigger').addEventListener('click', () => { document.getElementById('menu').hidden = false; });
  for (const id of ['leave-only', 'end-all']) document.getElementById(id).addEventListener('click', async () => {
    window.clicked.push(id);
    await fetch('/ocs/v2.php/apps/spreed/api/v4/call/${TOKEN}', { method: 'DELETE', body: id === 'end-all' ? '{"all":true}' : '{}' });
  });
</script>`;

/** Talk 22 top bar in the call: the inline "Leave call" button (`.leave-call`). */
const TALK22_IN_CALL = `
<div class="top-bar"><div class="conversation-header"><div class="conversation-header__text"><span class="title">Team call</span></div></div>
  <button type="button" class="button-vue button-vue--vue-error leave-call"><span class="button-vue__text">Leave call</span></button></div>
<script>document.querySelector('.leave-call').addEventListener('click', () => fetch('/ocs/v2.php/apps/spreed/api/v4/call/${TOKEN}', { method: 'DELETE' }));</script>`;

/** Talk 22 before the conversation is joined: "Connecting …" disabled; the page's join turns it into "Start call". */
const TALK22_CONNECTING = `
<div class="top-bar"><div class="conversation-header"><div class="conversation-header__text"><span class="title">Team call</span></div></div>
  <button type="button" class="button-vue button-vue--vue-primary join-call" disabled><span class="button-vue__text">Connecting …</span></button></div>
<script>
  fetch('/ocs/v2.php/apps/spreed/api/v4/room/${TOKEN}/participants/active', { method: 'POST' }).then((r) => {
    if (!r.ok) return;
    setTimeout(() => { const b = document.querySelector('.join-call'); b.disabled = false; b.querySelector('.button-vue__text').textContent = 'Start call'; }, 300);
  });
</script>`;

/** Talk 22's device dialog next to the wizard; Backgrounds with the Blur tile selected (class only). */
const DEVICE_DIALOG_WITH_WIZARD = `${WIZARD}
<div class="modal-mask" role="dialog" aria-modal="true" aria-labelledby="ms-name"><div class="modal-container">
  <h2 id="ms-name">Check devices</h2>
  <div role="tablist"><button role="tab" aria-selected="false">Devices</button><button role="tab" aria-selected="true">Backgrounds</button></div>
  <div class="background-editor">
    <button class="background-editor__element">None</button>
    <button class="background-editor__element background-editor__element--selected">Blur</button>
  </div>
  <button class="button-vue join-call"><span class="button-vue__text">Start call</span></button>
</div></div>`;

let browser: Browser | undefined;

test.beforeAll(async () => {
  const d = detectBrowser('chromium');
  if (d.launch) browser = await chromium.launch({ ...(d.launch.executablePath ? { executablePath: d.launch.executablePath } : {}), args: d.launch.args ?? [] });
});
test.afterAll(async () => browser?.close());

/** A page on ORIGIN whose `/call/{token}` (or `path`) answers `body`; every other request answers `routes` or 404. */
async function talkPage(body: string, routes: Record<string, (method: string, headers: Record<string, string>) => number> = {}, path = `/call/${TOKEN}`): Promise<Page> {
  test.skip(!browser, 'Chromium is not installed');
  const context = await browser!.newContext();
  const page = await context.newPage();
  await page.route(`${ORIGIN}/**`, async (route) => {
    const req = route.request();
    const p = new URL(req.url()).pathname;
    if (p === path)
      return route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><html><head data-requesttoken="head-token"><meta charset="utf-8"><title>Talk</title></head><body>${body}</body></html>`,
      });
    const handler = routes[p];
    return route.fulfill({ status: handler ? handler(req.method(), req.headers()) : 404, contentType: 'application/json', body: '{}' });
  });
  return page;
}

test.describe('first-run wizard', () => {
  test('is dismissed from inside the page as its close button does: DELETE with OC.requestToken, and the wizard is recorded as seen', async () => {
    const deletes: { method: string; token: string | undefined }[] = [];
    const page = await talkPage(
      `<script>window.OC = { requestToken: 'oc-token', generateUrl: (p) => '/index.php' + p };</script>${WIZARD}`,
      {
        '/index.php/apps/firstrunwizard/wizard': (method, headers) => {
          deletes.push({ method, token: headers['requesttoken'] });
          return method === 'DELETE' ? 200 : 405;
        },
      },
      '/apps/dashboard/',
    );
    await page.goto(`${ORIGIN}/apps/dashboard/`);
    const r = await dismissFirstRunWizard(page, `${ORIGIN}/`);
    expect(deletes).toEqual([{ method: 'DELETE', token: 'oc-token' }]);
    expect(r).toMatchObject({ status: 200, via: 'OC global', url: '/index.php/apps/firstrunwizard/wizard', seen: true });
    expect(r.outcome).toMatch(/dismissed \(DELETE 200\); the wizard was showing/);
    await page.context().close();
  });

  test('without an OC global it uses <head data-requesttoken> and the webroot-relative URL; a 404 means no first-run wizard app', async () => {
    const deletes: (string | undefined)[] = [];
    const page = await talkPage('<p>no Nextcloud globals here</p>', {}, '/nextcloud/apps/dashboard/');
    await page.route(`${ORIGIN}/nextcloud/index.php/apps/firstrunwizard/wizard`, (route) => {
      deletes.push(route.request().headers()['requesttoken']);
      return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${ORIGIN}/nextcloud/apps/dashboard/`);
    const r = await dismissFirstRunWizard(page, `${ORIGIN}/nextcloud/`);
    expect(deletes).toEqual(['head-token']);
    expect(r).toMatchObject({ status: 404, via: 'head data-requesttoken', seen: false, outcome: 'no first-run wizard app (DELETE answered 404)' });
    await page.context().close();
  });

  test('the device dialog locator matches the device dialog only, never the wizard; Blur is selected by its class alone', async () => {
    const page = await talkPage(DEVICE_DIALOG_WITH_WIZARD);
    await page.goto(`${ORIGIN}/call/${TOKEN}`);
    const call = new TalkCallPage(page, talkUiFor('22.0.2'));
    expect(await page.getByRole('dialog').count(), 'two dialogs on the page').toBe(2);
    await expect(call.deviceDialog).toHaveCount(1);
    await expect(call.deviceDialog).not.toHaveAttribute('id', 'firstrunwizard');
    await expect(call.dialogCallButton).toHaveCount(1);
    await expect(call.blurButton).toHaveCount(1);
    expect(await call.blurSelected()).toBe(true);
    await page.locator('.background-editor__element--selected').evaluate((el) => el.classList.remove('background-editor__element--selected'));
    expect(await call.blurSelected()).toBe(false);
    await page.context().close();
  });
});

test.describe('conversation loaded and leaving', () => {
  test('loaded = the call button turns from "Connecting …" into an enabled "Start call"; the top bar title is read as text, no heading needed', async () => {
    const page = await talkPage(TALK22_CONNECTING, { [`/ocs/v2.php/apps/spreed/api/v4/room/${TOKEN}/participants/active`]: () => 200 });
    const call = new TalkCallPage(page, talkUiFor('22.0.2'));
    await call.open(`${ORIGIN}/`, TOKEN);
    const shown = await call.waitForConversation();
    expect(shown).toEqual({ callButton: 'Start call', topBarTitle: 'Team call', joinConversationStatus: 200 });
    expect(await page.getByRole('heading').count()).toBe(0);
    await page.context().close();
  });

  test('a rejected conversation join is returned (the platform answered), not waited out', async () => {
    const page = await talkPage(TALK22_CONNECTING, { [`/ocs/v2.php/apps/spreed/api/v4/room/${TOKEN}/participants/active`]: () => 404 });
    const call = new TalkCallPage(page, talkUiFor('22.0.2'));
    await call.open(`${ORIGIN}/`, TOKEN);
    const t0 = Date.now();
    const shown = await call.waitForConversation();
    expect(shown.joinConversationStatus).toBe(404);
    expect(shown.callButton).toBe('Connecting …');
    expect(Date.now() - t0).toBeLessThan(10_000);
    await page.context().close();
  });

  test('Talk 21 moderator: "Leave call ▼" opens the menu and the suite picks "Leave call", never "End call for everyone"', async () => {
    const page = await talkPage(TALK21_IN_CALL_MODERATOR, { [`/ocs/v2.php/apps/spreed/api/v4/call/${TOKEN}`]: () => 200 });
    await page.goto(`${ORIGIN}/call/${TOKEN}`);
    const call = new TalkCallPage(page, talkUiFor('21.1.4'));
    expect(await call.leaveCall()).toEqual({ via: 'menu', status: 200 });
    expect(await page.evaluate(() => (window as unknown as { clicked: string[] }).clicked)).toEqual(['leave-only']);
    await page.context().close();
  });

  test('Talk 22: the plain "Leave call" button leaves at once', async () => {
    const page = await talkPage(TALK22_IN_CALL, { [`/ocs/v2.php/apps/spreed/api/v4/call/${TOKEN}`]: () => 200 });
    await page.goto(`${ORIGIN}/call/${TOKEN}`);
    const call = new TalkCallPage(page, talkUiFor('22.0.2'));
    expect(await call.leaveCall()).toEqual({ via: 'button', status: 200 });
    await page.context().close();
  });
});

test.describe('uiStep: could not drive the UI is not-run, not a failure', () => {
  class Skipped extends Error {}
  /** A TestInfo stand-in that records what the recorder and uiStep do with it (skip = not-run). */
  function fakeTestInfo(): { info: TestInfo; attachments: { name: string; contentType?: string; bytes: number }[]; skipped: string[] } {
    const attachments: { name: string; contentType?: string; bytes: number }[] = [];
    const skipped: string[] = [];
    const info = {
      annotations: [],
      attach: async (name: string, o: { body?: Buffer; contentType?: string }) => {
        attachments.push({ name, contentType: o.contentType, bytes: o.body?.length ?? 0 });
      },
      skip: (_c: boolean, reason: string) => {
        skipped.push(reason);
        throw new Skipped(reason);
      },
    } as unknown as TestInfo;
    return { info, attachments, skipped };
  }

  test('a locator that times out on a loaded page ends the check not-run "could not drive Talk 22.0.2\'s UI at step …" with a screenshot', async () => {
    const page = await talkPage("<p>Talk's JavaScript bundle did not load: only the server-rendered shell</p>");
    await page.goto(`${ORIGIN}/call/${TOKEN}`);
    const ui = talkUiFor('22.0.2');
    const call = new TalkCallPage(page, ui);
    const fake = fakeTestInfo();
    const evidence = new EvidenceRecorder(checkDefinition('call.media'), fake.info);
    const err = await runUiStep(
      evidence,
      ui,
      () => [{ label: 'A', page }],
      fake.info,
      'A clicks "Start call"',
      () => call.callButton.click({ timeout: 500 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Skipped);
    expect(fake.skipped).toHaveLength(1);
    expect(fake.skipped[0]).toMatch(/^could not drive Talk 22\.0\.2's UI at step "A clicks "Start call"": locator\.click: Timeout 500ms exceeded/);
    expect(fake.attachments).toEqual([{ name: 'could-not-drive-A.png', contentType: 'image/png', bytes: expect.any(Number) }]);
    expect(fake.attachments[0]!.bytes).toBeGreaterThan(100);
    expect(evidence.toJSON().details['couldNotDrive']).toMatchObject({ step: 'A clicks "Start call"' });
    await page.context().close();
  });

  test('a failed requirement inside a step stays a failure, and a page that does not load is not called a UI problem', async () => {
    const fake = fakeTestInfo();
    const evidence = new EvidenceRecorder(checkDefinition('call.media'), fake.info);
    const ui = talkUiFor('21.1.4');
    const failed = await runUiStep(
      evidence,
      ui,
      () => [],
      fake.info,
      'A clicks "Start call"',
      async () => evidence.require(false, 'POST /call/{token} answered 500'),
    ).catch((e: unknown) => e);
    expect(failed).not.toBeInstanceOf(Skipped);
    expect(String(failed)).toMatch(/POST \/call\/\{token\} answered 500/);
    expect(fake.skipped).toEqual([]);
    expect(isUiDrivingError(new Error('page.goto: net::ERR_CONNECTION_REFUSED at https://talk.test/call/x'))).toBe(false);
    expect(isUiDrivingError(new Error("locator.click: Error: strict mode violation: getByRole('button') resolved to 2 elements"))).toBe(true);
    expect(couldNotDrive(ui, 'A sees the conversation joined', new Error('locator.waitFor: Timeout 30000ms exceeded.\nCall log: …'))).toBe(
      'could not drive Talk 21.1.4\'s UI at step "A sees the conversation joined": locator.waitFor: Timeout 30000ms exceeded.',
    );
  });
  test('a login the page could not be driven through, or that brute-force protection throttles, is not-run with what to do; a rejected throwaway user stays a failure', async () => {
    const attempt = async (err: Error, mode: 'provisioned' | 'configured') => {
      const fake = fakeTestInfo();
      const evidence = new EvidenceRecorder(checkDefinition('call.media'), fake.info);
      const out = await logIn(evidence, mode, async () => {
        throw err;
      }).catch((e: unknown) => e);
      return { out, skipped: fake.skipped };
    };
    const noForm = await attempt(new LoginPageError("the login page https://talk.test/login never showed Nextcloud's login form", 'open the login page'), 'provisioned');
    expect(noForm.out).toBeInstanceOf(Skipped);
    expect(noForm.skipped[0]).toMatch(/^could not drive Nextcloud's login page at step "open the login page": the login page .* never showed/);
    const throttled = await attempt(
      new LoginRejectedError('the login page refused "tc-x": "Too many requests". … `occ security:bruteforce:reset <ip>` …', 'throttled', 'Too many requests'),
      'provisioned',
    );
    expect(throttled.out).toBeInstanceOf(Skipped);
    expect(throttled.skipped[0]).toContain('occ security:bruteforce:reset <ip>');
    const rejected = await attempt(new LoginRejectedError('the login page refused "tc-x": "Wrong login or password."', 'credentials', 'Wrong login or password.'), 'provisioned');
    expect(rejected.out).not.toBeInstanceOf(Skipped);
    expect(String(rejected.out)).toMatch(/the login page rejected a user the admin had just created/);
    expect(rejected.skipped).toEqual([]);
  });
});
