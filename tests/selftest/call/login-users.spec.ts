import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createTestUsers } from '../../../fixtures/call.ts';
import { Ledger, type LedgerEntry } from '../../../src/ledger/index.ts';
import { CHROMIUM_MISSING, test as platformTest } from '../support/platform.ts';
import type { ResolvedTarget } from '../../../src/targets/index.ts';
import { LoginRejectedError, blurUnavailableReason, logInThroughPage, talkUiFor } from '../../../src/talk/ui/index.ts';
import { Client, NOT_ROOT, NOT_ROOT_REASON } from '../reference/helpers.ts';

/**
 * The pieces of the call checks that need no call: the login page object against the double's
 * login page (success, and a rejected password that is not retried), the users factory with and
 * without admin credentials (ledger written ahead, users gone after cleanup), and the Talk UI
 * profiles per version.
 */

test('the UI profile follows the Talk version: #call_button and the leave menu up to 21, .join-call/.leave-call on 22; blur availability as VirtualBackground.js computes it', () => {
  expect(talkUiFor('20.1.7')).toMatchObject({ callButtonSelector: '#call_button', leaveButtonSelector: null, blurSupport: 'wasm-and-canvas-filter' });
  expect(talkUiFor('21.1.0').deviceDialogNames.test('Media settings')).toBe(true);
  expect(talkUiFor('21.1.0').leaveButtonNames.test('Leave call ▼')).toBe(true);
  expect(talkUiFor('22.0.2')).toMatchObject({ callButtonSelector: '.join-call', leaveButtonSelector: '.leave-call', version: '22.0.2' });
  expect(talkUiFor(null).deviceDialogNames.test('Check devices')).toBe(true);
  for (const name of ['Start call', 'Join call']) expect(talkUiFor('22.0.2').callButtonNames.test(name)).toBe(true);
  expect(talkUiFor('22.0.2').callButtonNames.test('Connecting …')).toBe(false);
  expect(talkUiFor('22.0.2').leaveButtonNames.test('End call for everyone')).toBe(false);
  // No WebGL2 rule: newer Talk needs WebAssembly plus WebGL or the canvas filter, older WebAssembly plus the canvas filter.
  const noWebgl = { webAssembly: true, simd: true, webgl: false, canvasFilter: true };
  expect(blurUnavailableReason(talkUiFor('22.0.5'), noWebgl)).toBeNull();
  expect(blurUnavailableReason(talkUiFor('22.0.5'), { ...noWebgl, webgl: true, canvasFilter: false })).toBeNull();
  expect(blurUnavailableReason(talkUiFor('21.1.0'), { ...noWebgl, webgl: true, canvasFilter: false })).toMatch(/no canvas 2D filter/);
  expect(blurUnavailableReason(talkUiFor('22.0.5'), { ...noWebgl, canvasFilter: false })).toMatch(/neither WebGL nor the canvas 2D filter/);
  expect(blurUnavailableReason(talkUiFor('20.1.7'), { ...noWebgl, webAssembly: false })).toMatch(/no WebAssembly/);
});

platformTest.describe('login page and users factory on the reference platform', () => {
  platformTest.skip(NOT_ROOT, NOT_ROOT_REASON);
  // The worker's good platform, reset before each test, and its Chromium (tests/selftest/support/platform.ts).

  platformTest("a good password logs in through the form; a wrong one fails at once with the page's message, without a retry", async ({ platform, chromiumBrowser: browser }) => {
    platformTest.skip(!browser, CHROMIUM_MISSING);
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      const ok = await logInThroughPage(page, platform.url, platform.users.alice);
      expect(ok.landedOn).toMatch(/\/apps\/dashboard\/$/);
      expect((await context.cookies()).length).toBeGreaterThan(0);

      const other = await browser!.newContext({ ignoreHTTPSErrors: true });
      const p2 = await other.newPage();
      const posts: string[] = [];
      p2.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/login') posts.push(r.url());
      });
      const err = await logInThroughPage(p2, platform.url, { user: 'alice', password: 'not-her-password' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LoginRejectedError);
      expect(String((err as Error).message)).toContain('"Wrong login or password."');
      expect(String((err as Error).message)).not.toContain('not-her-password');
      expect(posts).toHaveLength(1);
      await other.close();
    } finally {
      await context.close();
    }
  });

  platformTest('with admin credentials the factory creates two throwaway users, written ahead in the ledger, and deletes them', async ({ platform }) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-calluser-'));
    const ledger = new Ledger(dir, 'tc-selftest-calluser');
    const creds = (u: { user: string; password: string }) => ({ user: u.user, password: u.password });
    const target = {
      url: platform.url,
      caFile: platform.caFile,
      admin: creds(platform.users.admin),
      user: creds(platform.users.alice),
      user2: undefined,
    } as unknown as ResolvedTarget;
    const { users, cleanup } = await createTestUsers(target, ledger, 'tc-selftest-calluser', 3, 'media', 2);
    expect(users.mode).toBe('provisioned');
    expect(users.a.user).toBe('tc-tc-selftest-calluser-w3-media-a');
    expect(users.b?.user).toBe('tc-tc-selftest-calluser-w3-media-b');
    const admin = new Client(platform.url, platform.caFile, platform.users.admin);
    try {
      for (const u of [users.a, users.b!]) expect((await admin.ocs('GET', `cloud/users/${u.user}`)).status).toBe(200);
      // The throwaway users can use Talk (capabilities as them).
      const asA = new Client(platform.url, platform.caFile, { ...platform.users.alice, user: users.a.user, password: users.a.password });
      expect((await asA.ocs('GET', 'cloud/capabilities')).json().ocs.data.capabilities.spreed).toBeTruthy();
      await asA.close();
      expect(await cleanup()).toEqual([]);
      for (const u of [users.a, users.b!]) expect((await admin.ocs('GET', `cloud/users/${u.user}`)).status).toBe(404);
    } finally {
      await admin.close();
    }
    const entries = readFileSync(ledger.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LedgerEntry);
    expect(entries.map((e) => `${e.op} ${e.id}`)).toEqual([
      'intent tc-tc-selftest-calluser-w3-media-a',
      'created tc-tc-selftest-calluser-w3-media-a',
      'intent tc-tc-selftest-calluser-w3-media-b',
      'created tc-tc-selftest-calluser-w3-media-b',
      'deleted tc-tc-selftest-calluser-w3-media-b',
      'deleted tc-tc-selftest-calluser-w3-media-a',
    ]);
    // No password in the ledger.
    expect(readFileSync(ledger.file, 'utf8')).not.toContain(users.a.password);
  });

  platformTest('without admin credentials the factory uses the configured users, and says why a call cannot have a second one', async ({ platform }) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-calluser-'));
    const ledger = new Ledger(dir, 'tc-selftest-calluser2');
    const alice = { user: platform.users.alice.user, password: platform.users.alice.password };
    const bob = { user: platform.users.bob.user, password: platform.users.bob.password };
    const both = await createTestUsers(
      { url: platform.url, caFile: platform.caFile, admin: undefined, user: alice, user2: bob } as unknown as ResolvedTarget,
      ledger,
      'x',
      0,
      'media',
      2,
    );
    expect(both.users).toMatchObject({ mode: 'configured', a: { user: 'alice', provisioned: false }, b: { user: 'bob' }, missingB: null });
    const one = await createTestUsers(
      { url: platform.url, caFile: platform.caFile, admin: undefined, user: alice, user2: undefined } as unknown as ResolvedTarget,
      ledger,
      'x',
      0,
      'media',
      2,
    );
    expect(one.users.b).toBeNull();
    expect(one.users.missingB).toMatch(/TALK_USER2\/TALK_PASSWORD2.*TALK_ADMIN_USER/);
    expect(await one.cleanup()).toEqual([]);
  });
});
