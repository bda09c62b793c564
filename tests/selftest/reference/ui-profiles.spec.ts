import { type Browser, type Page, chromium, expect, test } from '@playwright/test';
import { detectBrowser } from '../../../src/browsers/detect.ts';
import type { BrowserLaunch } from '../../../src/browsers/detect.ts';
import { type ReferencePlatform, type ReferenceUser, startReferencePlatform } from '../../../src/reference/index.ts';
import { UI_PROFILES, type UiProfileName } from '../../../src/reference/ui-profiles.ts';
import { Client, NOT_ROOT, NOT_ROOT_REASON, WORK_DIR } from './helpers.ts';

/**
 * The double's Talk web UI per UI profile (src/reference/ui-profiles.ts, double/call-page.ts),
 * driven with plain Playwright: the markup real Talk 20/21/22 renders (no heading with the name in
 * Talk 22's top bar, `#call_button` on 20/21, the leave menu of owners on ≤ 21 and the plain
 * button of participants, the selected class and the browser-storage keys of blur, no
 * aria-pressed, no OCA.Talk.blurState), and the first-run wizard every fresh user meets. This
 * tests the double, not the suite.
 */
test.skip(NOT_ROOT, NOT_ROOT_REASON);

/** @nextcloud/browser-storage key of scope `talk` (persistent): `nextcloud_per_` + btoa('talk') + `_` + key. */
const STORAGE_PREFIX = `nextcloud_per_${Buffer.from('talk').toString('base64')}_`;

async function launchChromium(): Promise<Browser> {
  const detected = detectBrowser('chromium');
  test.skip(!detected.available, detected.record.notRunReason ?? 'chromium not available');
  const l = detected.launch as BrowserLaunch;
  return chromium.launch({ ...(l.channel ? { channel: l.channel } : {}), ...(l.executablePath ? { executablePath: l.executablePath } : {}), args: l.args ?? [] });
}

async function login(page: Page, platform: ReferencePlatform, user: ReferenceUser, path: string): Promise<void> {
  await page.goto(`${platform.url}${path}`);
  await page.locator('input[name=user]').fill(user.user);
  await page.locator('input[name=password]').evaluate((el, v) => ((el as HTMLInputElement).value = v), user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(new RegExp(`/${path.replace(/\/$/, '')}/?$`));
}

/** Closes the first-run wizard the way its close button does, and waits for the server's 200. */
async function closeWizard(page: Page): Promise<void> {
  const wizard = page.locator('#firstrunwizard');
  await expect(wizard).toBeVisible();
  const closed = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith('/apps/firstrunwizard/wizard'));
  await wizard.getByRole('button', { name: 'Close' }).click();
  expect((await closed).status()).toBe(200);
  await expect(wizard).toHaveCount(0);
}

/** The device dialog of this release: named "Check devices" on 22; on ≤ 21 unnamed, found by its "Media settings" heading. */
function deviceDialog(page: Page, ui: UiProfileName) {
  const heading = UI_PROFILES[ui].dialogHeading;
  return ui === 'talk22' ? page.getByRole('dialog', { name: heading }) : page.getByRole('dialog').filter({ has: page.getByRole('heading', { name: heading }) });
}

test.describe('first-run wizard', () => {
  let platform: ReferencePlatform;
  let browser: Browser;
  test.beforeAll(async () => {
    platform = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-ui-wizard', workDir: WORK_DIR });
    browser = await launchChromium();
  });
  test.afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test("covers a fresh user's pages and takes their clicks until closed; the close is a DELETE with the request token, stored per user", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await login(page, platform, platform.users.bob, 'apps/dashboard/');
    const wizard = page.locator('#firstrunwizard');
    await expect(wizard).toBeVisible();
    await expect(wizard).toHaveClass(/first-run-wizard/);
    await expect(wizard).toHaveAttribute('role', 'dialog');
    await expect(wizard.getByRole('heading', { name: 'A collaboration platform that puts you in control' })).toBeVisible();
    // The page's own content is there but the modal takes the click.
    const err = await page
      .getByRole('heading', { name: 'Dashboard' })
      .click({ timeout: 2_000 })
      .then(
        () => null,
        (e: Error) => e.message,
      );
    expect(err).toMatch(/intercepts pointer events/);
    // What the page exposes for dismissing it from inside (OC global of core's bundle).
    const oc = await page.evaluate(() => {
      const w = window as unknown as { OC: { requestToken: string; webroot: string; generateUrl(u: string): string } };
      return { token: w.OC.requestToken === document.head.dataset['requesttoken'], webroot: w.OC.webroot, url: w.OC.generateUrl('/apps/firstrunwizard/wizard') };
    });
    expect(oc).toEqual({ token: true, webroot: '', url: '/apps/firstrunwizard/wizard' });
    // Without the request token the server refuses (SecurityMiddleware), and the wizard stays.
    const refused = await page.evaluate(async () => (await fetch('/index.php/apps/firstrunwizard/wizard', { method: 'DELETE' })).status);
    expect(refused).toBe(412);
    await page.reload();
    await expect(wizard).toBeVisible();
    await closeWizard(page);
    await page.getByRole('heading', { name: 'Dashboard' }).click();
    // Later page loads (any page) do not show it again; another fresh user still gets it.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    await expect(wizard).toHaveCount(0);
    const other = await browser.newContext({ ignoreHTTPSErrors: true });
    const p2 = await other.newPage();
    await login(p2, platform, platform.users.admin, 'apps/dashboard/');
    await expect(p2.locator('#firstrunwizard')).toBeVisible();
    // The pretty and the /index.php/ route both work from inside the page.
    const status = await p2.evaluate(async () => {
      const w = window as unknown as { OC: { requestToken: string } };
      return (await fetch('/index.php/apps/firstrunwizard/wizard', { method: 'DELETE', headers: { requesttoken: w.OC.requestToken } })).status;
    });
    expect(status).toBe(200);
    await p2.reload();
    await expect(p2.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    await expect(p2.locator('#firstrunwizard')).toHaveCount(0);
    await context.close();
    await other.close();
  });
});

for (const ui of ['talk20', 'talk21', 'talk22'] as const) {
  test.describe(`UI ${ui}`, () => {
    test.describe.configure({ mode: 'serial' });
    let platform: ReferencePlatform;
    let browser: Browser;
    let api: Client;
    let token = '';
    test.beforeAll(async () => {
      platform = await startReferencePlatform({
        profile: 'good',
        ui,
        runId: `tc-selftest-ui-${ui}`,
        workDir: WORK_DIR,
        log: (l) => process.env.TALK_REFERENCE_DEBUG === '1' && console.log(`${Date.now() % 100000} ${l}`),
      });
      browser = await launchChromium();
      api = Client.for(platform, platform.users.alice);
      const created = await api.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: `tc-selftest-ui ${ui}` } });
      expect(created.status).toBe(201);
      token = created.json().ocs.data.token;
      expect((await api.ocs('POST', `apps/spreed/api/v4/room/${token}/participants`, { form: { newParticipant: 'bob' } })).status).toBe(200);
    });
    test.afterAll(async () => {
      await api?.close();
      await browser?.close();
      await platform?.stop();
    });

    test('versions, top bar, call button, dialog and blur markup as this Talk release renders them', async () => {
      const p = UI_PROFILES[ui];
      const status = (await api.req('GET', 'status.php')).json();
      expect(status.versionstring).toBe(p.nextcloud.versionString);
      const caps = (await api.ocs('GET', 'cloud/capabilities')).json().ocs.data;
      expect(caps.capabilities.spreed.version).toBe(p.talkVersion);
      expect(caps.version.string).toBe(p.nextcloud.versionString);

      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await login(page, platform, platform.users.alice, `call/${token}`);
      await closeWizard(page);
      const name = `tc-selftest-ui ${ui}`;
      // The name is text in the top bar, not a heading; the right sidebar's h2 is the only heading with it.
      await expect(page.locator('.conversation-header .title')).toHaveText(name);
      await expect(page.locator('.top-bar').getByRole('heading')).toHaveCount(0);
      await expect(page.getByRole('heading', { name })).toHaveCount(1);
      await expect(page.locator('#app-sidebar-vue h2')).toHaveText(name);

      const start = page.getByRole('button', { name: 'Start call', exact: true });
      await expect(start).toBeEnabled();
      if (p.callButton === 'id-call_button') await expect(page.locator('#call_button')).toHaveText('Start call');
      else {
        await expect(page.locator('#call_button')).toHaveCount(0);
        await expect(page.locator('.top-bar button.join-call')).toHaveText('Start call');
      }
      await start.click();
      const dialog = deviceDialog(page, ui);
      await expect(dialog).toBeVisible();
      if (ui === 'talk22') {
        await expect(dialog.getByRole('tab', { name: 'Devices' })).toHaveAttribute('aria-selected', 'true');
        await dialog.getByRole('tab', { name: 'Backgrounds' }).click();
      } else {
        // Vue 2 MediaSettings: the dialog has no accessible name; Devices/Backgrounds are plain buttons.
        await expect(page.getByRole('dialog', { name: p.dialogHeading })).toHaveCount(0);
        await expect(dialog.getByRole('tab')).toHaveCount(0);
        await dialog.getByRole('button', { name: 'Backgrounds', exact: true }).click();
      }
      const tiles = dialog.locator('button.background-editor__element');
      for (const t of ['None', 'Blur', 'Upload', 'Files']) await expect(dialog.getByRole('button', { name: t, exact: true })).toHaveClass(/background-editor__element/);
      await expect(dialog.getByRole('button', { name: 'None', exact: true })).toHaveClass(/background-editor__element--selected/);
      const model = page.waitForResponse((r) => r.url().includes('/apps/spreed/js/selfie_segmentation_landscape.tflite'));
      await dialog.getByRole('button', { name: 'Blur', exact: true }).click();
      await expect(dialog.getByRole('button', { name: 'Blur', exact: true })).toHaveClass(/background-editor__element--selected/);
      await expect(dialog.getByRole('button', { name: 'None', exact: true })).not.toHaveClass(/--selected/);
      expect((await model).status()).toBe(200);
      // No invented state: no aria-pressed/aria-selected on tiles, no global blur state.
      expect(await tiles.evaluateAll((els) => els.filter((e) => e.hasAttribute('aria-pressed') || e.hasAttribute('aria-selected')).length)).toBe(0);
      expect(
        await page.evaluate(() => ({
          talk: 'blurState' in ((window as unknown as { OCA?: { Talk?: object } }).OCA?.Talk ?? {}),
          attr: document.querySelector('[data-blur-state]') !== null,
        })),
      ).toEqual({ talk: false, attr: false });
      const stored = await page.evaluate(
        (prefix) =>
          Object.fromEntries(
            Object.keys(localStorage)
              .filter((k) => k.startsWith(prefix))
              .map((k) => [k.slice(prefix.length), localStorage.getItem(k)]),
          ),
        STORAGE_PREFIX,
      );
      expect(stored).toMatchObject({ [`virtualBackgroundEnabled_${token}`]: 'true', [`virtualBackgroundType_${token}`]: 'blur' });

      // The dialog's own call button starts the call.
      const joined = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v4\/call\//.test(r.url()));
      await dialog.getByRole('button', { name: 'Start call', exact: true }).click();
      expect((await joined).status()).toBe(200);
      await expect(dialog).toHaveCount(0);
      // Reopened in the call from "Conversation actions": the stored blur is still selected.
      await page.getByRole('button', { name: 'Conversation actions' }).click();
      await page.getByRole('menuitem', { name: p.inCallSettingsAction }).click();
      await expect(deviceDialog(page, ui)).toBeVisible();
      if (ui === 'talk22') await deviceDialog(page, ui).getByRole('tab', { name: 'Backgrounds' }).click();
      else await deviceDialog(page, ui).getByRole('button', { name: 'Backgrounds', exact: true }).click();
      await expect(deviceDialog(page, ui).getByRole('button', { name: 'Blur', exact: true })).toHaveClass(/background-editor__element--selected/);
      await deviceDialog(page, ui).getByRole('button', { name: 'Close' }).click();
      await expect(deviceDialog(page, ui)).toHaveCount(0);
      await context.close();
    });

    test("without the canvas 2D filter, Backgrounds is offered only where this release's VirtualBackground.isSupported() has another way (WebGL, Talk 22)", async () => {
      const p = UI_PROFILES[ui];
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      // A browser like Safari: no `filter` on the 2D context.
      await context.addInitScript(() => {
        delete (CanvasRenderingContext2D.prototype as unknown as { filter?: string }).filter;
      });
      const page = await context.newPage();
      await login(page, platform, platform.users.alice, `call/${token}`);
      await page.getByRole('button', { name: /^(Start|Join) call$/ }).click();
      const dialog = deviceDialog(page, ui);
      await expect(dialog).toBeVisible();
      const webgl = await page.evaluate(() => {
        const c = document.createElement('canvas');
        return Boolean(c.getContext('webgl2') || c.getContext('webgl'));
      });
      const offered = p.blurSupport === 'wasm-and-webgl-or-canvas-filter' && webgl;
      test.info().annotations.push({ type: 'webgl', description: `WebGL ${webgl ? 'available' : 'not available'}: Backgrounds ${offered ? 'offered' : 'not offered'}` });
      await expect(dialog.getByRole(ui === 'talk22' ? 'tab' : 'button', { name: 'Devices', exact: true })).toBeVisible();
      await expect(dialog.getByRole(ui === 'talk22' ? 'tab' : 'button', { name: 'Backgrounds', exact: true })).toHaveCount(offered ? 1 : 0);
      await context.close();
    });

    test(`leave: ${UI_PROFILES[ui].leave === 'inline' ? 'an inline "Leave call" for everyone' : 'the owner gets the "Leave call ▼" menu and can end the call for everyone, a participant a plain "Leave call"'}`, async () => {
      const p = UI_PROFILES[ui];
      const ctxA = await browser.newContext({ ignoreHTTPSErrors: true });
      const ctxB = await browser.newContext({ ignoreHTTPSErrors: true });
      const a = await ctxA.newPage();
      const b = await ctxB.newPage();
      await login(a, platform, platform.users.alice, `call/${token}`);
      // Alice closed the wizard in the previous test: the server remembered it.
      await expect(a.locator('.conversation-header .title')).toHaveText(`tc-selftest-ui ${ui}`);
      await expect(a.locator('#firstrunwizard')).toHaveCount(0);
      await login(b, platform, platform.users.bob, `call/${token}`);
      await closeWizard(b);
      // Alice's page of the previous test may still be leaving the call when this one loads.
      for (const [page, name] of [
        [a, /^(Start|Join) call$/],
        [b, /^Join call$/],
      ] as const) {
        await page.getByRole('button', { name }).click();
        const dialog = deviceDialog(page, ui);
        await expect(dialog).toBeVisible();
        const joined = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v4\/call\//.test(r.url()));
        await dialog.getByRole('button', { name }).click();
        expect((await joined).status()).toBe(200);
      }
      const inCall = async () =>
        ((await api.ocs('GET', `apps/spreed/api/v4/room/${token}/participants`)).json().ocs.data as { actorId: string; inCall: number }[]).map((x) => [x.actorId, x.inCall]).sort();
      await expect.poll(inCall).toEqual([
        ['alice', 7],
        ['bob', 7],
      ]);
      if (p.leave === 'inline') {
        for (const page of [a, b]) {
          await expect(page.locator('.top-bar button.leave-call')).toHaveText('Leave call');
          await expect(page.locator('#call_button')).toHaveCount(0);
          await expect(page.getByRole('button', { name: 'Leave call ▼' })).toHaveCount(0);
        }
        const left = a.waitForResponse((r) => r.request().method() === 'DELETE' && /\/api\/v4\/call\//.test(r.url()));
        await a.getByRole('button', { name: 'Leave call', exact: true }).click();
        expect((await left).status()).toBe(200);
        await expect.poll(inCall).toEqual([
          ['alice', 0],
          ['bob', 7],
        ]);
      } else {
        // Bob (plain participant): the plain #call_button "Leave call"; Alice (owner): the menu trigger.
        await expect(b.locator('#call_button')).toHaveText('Leave call');
        await expect(b.getByRole('button', { name: 'Leave call ▼' })).toHaveCount(0);
        const trigger = a.getByRole('button', { name: 'Leave call ▼', exact: true });
        await expect(trigger).toHaveAttribute('aria-haspopup', 'menu');
        await expect(a.locator('#call_button')).toHaveCount(0);
        await trigger.click();
        const menu = a.getByRole('menu');
        await expect(menu.getByRole('menuitem')).toHaveText(['Leave call', 'End call for everyone']);
        const ended = a.waitForResponse((r) => r.request().method() === 'DELETE' && /\/api\/v4\/call\//.test(r.url()));
        await menu.getByRole('menuitem', { name: 'End call for everyone' }).click();
        const res = await ended;
        expect(res.status()).toBe(200);
        expect(res.request().postData()).toContain('all=true');
        // Ended for everyone: both out of the call, on the server and in Bob's page.
        await expect.poll(inCall).toEqual([
          ['alice', 0],
          ['bob', 0],
        ]);
        expect((await api.ocs('GET', `apps/spreed/api/v4/room/${token}`)).json().ocs.data.hasCall).toBe(false);
        await expect(b.getByRole('button', { name: 'Start call', exact: true })).toBeVisible({ timeout: 65_000 });
      }
      await ctxA.close();
      await ctxB.close();
    });
  });
}

test.describe('ui-bundle-missing', () => {
  let platform: ReferencePlatform;
  let browser: Browser;
  test.beforeAll(async () => {
    platform = await startReferencePlatform({ profile: 'ui-bundle-missing', runId: 'tc-selftest-ui-nobundle', workDir: WORK_DIR, firstRunWizard: false });
    browser = await launchChromium();
  });
  test.afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test("the conversation page loads, but Talk's bundle answers 404 and no call button ever appears", async () => {
    const api = Client.for(platform, platform.users.alice);
    const created = await api.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: 'tc-selftest-ui nobundle' } });
    const token = created.json().ocs.data.token as string;
    await api.close();
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const bundle = page.waitForResponse((r) => new URL(r.url()).pathname === '/apps/spreed/js/talk-call.js');
    await login(page, platform, platform.users.alice, `call/${token}`);
    expect((await bundle).status()).toBe(404);
    await page.waitForLoadState('load');
    await expect(page.locator('.conversation-header .title')).toHaveText('tc-selftest-ui nobundle');
    await expect(page.getByRole('button', { name: /call/i })).toHaveCount(0);
    await expect(page.locator('#call_button, .join-call')).toHaveCount(0);
    await context.close();
  });
});

test.describe('narrow viewport', () => {
  let platform: ReferencePlatform;
  let browser: Browser;
  test.beforeAll(async () => {
    platform = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-ui-phone', workDir: WORK_DIR, firstRunWizard: false });
    browser = await launchChromium();
  });
  test.afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('on a phone-sized viewport the right sidebar starts closed: no heading with the conversation name at all', async () => {
    const api = Client.for(platform, platform.users.alice);
    const created = await api.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: 'tc-selftest-ui phone' } });
    const token = created.json().ocs.data.token as string;
    await api.close();
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await login(page, platform, platform.users.alice, `call/${token}`);
    await expect(page.locator('#firstrunwizard')).toHaveCount(0);
    await expect(page.locator('.conversation-header .title')).toHaveText('tc-selftest-ui phone');
    await expect(page.getByRole('button', { name: 'Start call', exact: true })).toBeEnabled();
    await expect(page.getByRole('heading', { name: 'tc-selftest-ui phone' })).toHaveCount(0);
    await context.close();
  });
});
