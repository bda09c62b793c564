import path from 'node:path';
import { type Browser, chromium, expect, test } from '@playwright/test';
import { detectBrowser } from '../../../src/browsers/detect.ts';
import { type ReferencePlatform, startReferencePlatform } from '../../../src/reference/index.ts';
import { TalkCallPage, dismissFirstRunWizard, logInThroughPage, talkUiFor } from '../../../src/talk/ui/index.ts';
import { Client, NOT_ROOT, NOT_ROOT_REASON, WORK_DIR } from '../reference/helpers.ts';

/**
 * The conversation's owner on Talk 21 (the double's `talk21` UI profile): in the call, "Leave call"
 * is an NcActions menu trigger "Leave call ▼" (spreed src/components/TopBar/CallButton.vue), and
 * the suite leaves through its item "Leave call", never "End call for everyone". The call checks'
 * throwaway users are plain participants (plain button), so this path needs the owner: the
 * configured user, as on a real server without admin credentials. Also on the way: the first-run
 * wizard dismissed after the login, and the conversation-loaded proof without a heading.
 */

test.describe('Talk 21 owner leaves through the leave menu', () => {
  test.skip(NOT_ROOT, NOT_ROOT_REASON);
  let platform: ReferencePlatform;
  let browser: Browser | undefined;

  test.beforeAll(async ({}, testInfo) => {
    platform = await startReferencePlatform({ profile: 'good', ui: 'talk21', runId: 'tc-selftest-leavemenu', workDir: path.join(WORK_DIR, testInfo.testId) });
    const d = detectBrowser('chromium');
    if (d.launch) browser = await chromium.launch({ ...(d.launch.executablePath ? { executablePath: d.launch.executablePath } : {}), args: d.launch.args ?? [] });
  });
  test.afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('the owner starts the call, then "Leave call ▼" > "Leave call" leaves with DELETE /call/{token} (not for everyone)', async () => {
    test.skip(!browser, 'Chromium is not installed');
    const alice = Client.for(platform, platform.users.alice);
    const created = await alice.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: 'leave menu' } });
    expect(created.status).toBe(201);
    const token = created.json().ocs.data.token as string;
    await alice.close();

    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await logInThroughPage(page, platform.url, platform.users.alice);
      const wizard = await dismissFirstRunWizard(page, platform.url);
      expect(wizard).toMatchObject({ status: 200, via: 'OC global', seen: true });

      const deletes: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'DELETE' && /\/api\/v4\/call\//.test(r.url())) deletes.push(`${new URL(r.url()).search} ${r.postData() ?? ''}`);
      });
      const call = new TalkCallPage(page, talkUiFor('21.1.5'));
      await call.open(platform.url, token);
      const shown = await call.waitForConversation();
      expect(shown).toMatchObject({ callButton: 'Start call', topBarTitle: 'leave menu', joinConversationStatus: 200 });
      // The wizard, dismissed server-side, does not come back on the conversation page.
      await expect(page.locator('#firstrunwizard')).toHaveCount(0);
      expect(await call.joinCall()).toMatchObject({ status: 200 });
      await expect(page.getByRole('button', { name: 'Leave call ▼' })).toBeVisible();
      expect(await call.leaveCall()).toEqual({ via: 'menu', status: 200 });
      expect(deletes).toHaveLength(1);
      expect(deletes[0]).not.toMatch(/all/);
    } finally {
      await context.close();
    }
  });
});
