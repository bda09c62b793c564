import type { Locator, Page, Response } from '@playwright/test';
import type { TalkUiProfile } from './versions.ts';

/**
 * Talk's conversation page (`/call/{token}`) as the call checks drive it: synchronous locator
 * getters (roles and accessible names first, the version's CSS fallback second), async actions
 * that arm `waitForResponse` before the click they wait for. Version differences live in
 * versions.ts, nowhere else. Only a type import of Playwright: the page comes from the caller.
 */

/** The call button stays "Connecting …" (disabled) until the conversation is joined and the signaling settings are read. */
export const CALL_BUTTON_TIMEOUT_MS = 30_000;
/** Joining the call is one OCS request; the in-call view follows. */
export const JOIN_CALL_TIMEOUT_MS = 20_000;

const CALL_API = /\/ocs\/v2\.php\/apps\/spreed\/api\/v4\/call\/[a-z0-9]+(\?|$)/;

export class TalkCallPage {
  constructor(
    readonly page: Page,
    readonly ui: TalkUiProfile,
  ) {}

  /** The conversation's heading (its display name). */
  heading(name: string): Locator {
    return this.page.getByRole('heading', { name, exact: true });
  }

  /**
   * The top bar's "Start call" / "Join call". While the device dialog is open its own call
   * button has the same name; the top bar comes first in the document.
   */
  get callButton(): Locator {
    return this.page.getByRole('button', { name: this.ui.callButtonNames }).or(this.page.locator(this.ui.callButtonFallback)).first();
  }

  get leaveButton(): Locator {
    return this.page.getByRole('button', { name: this.ui.leaveButtonNames }).or(this.page.locator(this.ui.leaveButtonFallback)).first();
  }

  /** The device dialog ("Check devices" / "Media settings"). */
  get deviceDialog(): Locator {
    return this.page.getByRole('dialog').filter({ has: this.page.getByRole('heading', { name: this.ui.deviceDialogNames }) });
  }

  get dialogCallButton(): Locator {
    return this.deviceDialog.getByRole('button', { name: this.ui.callButtonNames });
  }

  /** Backgrounds: a tab in the Vue 3 dialog, a plain button before; only present when blur can load. */
  get backgroundsTab(): Locator {
    const d = this.deviceDialog;
    return d.getByRole('tab', { name: this.ui.backgroundsName, exact: true }).or(d.getByRole('button', { name: this.ui.backgroundsName, exact: true })).first();
  }

  get blurButton(): Locator {
    return this.deviceDialog.getByRole('button', { name: 'Blur', exact: true });
  }

  get noneButton(): Locator {
    return this.deviceDialog.getByRole('button', { name: 'None', exact: true });
  }

  async open(baseUrl: string, token: string): Promise<{ status: number | null; url: string }> {
    const res = await this.page.goto(new URL(`call/${token}`, baseUrl).toString(), { waitUntil: 'domcontentloaded', timeout: CALL_BUTTON_TIMEOUT_MS });
    return { status: res?.status() ?? null, url: this.page.url() };
  }

  /** The accessible name the call button has right now ("Start call", "Join call", "Connecting …"). */
  async callButtonName(): Promise<string> {
    const b = this.page.getByRole('button', { name: /call|Connecting/i }).first();
    return ((await b.getAttribute('aria-label')) ?? (await b.textContent()) ?? '').trim();
  }

  /**
   * Clicks the top bar's call button and waits for what Talk shows next: the device dialog (the
   * preview preference is on by default) or, without it, the call itself.
   */
  async clickCallButton(): Promise<'dialog' | 'in-call'> {
    await this.callButton.click({ timeout: CALL_BUTTON_TIMEOUT_MS });
    // Two waits raced, not `dialog.or(leave).first()`: the first match in document order may be
    // the hidden leave button, and waiting for it to show would miss the dialog.
    const dialog = this.deviceDialog.waitFor({ timeout: JOIN_CALL_TIMEOUT_MS }).then(() => 'dialog' as const);
    const inCall = this.leaveButton.waitFor({ timeout: JOIN_CALL_TIMEOUT_MS }).then(() => 'in-call' as const);
    dialog.catch(() => {});
    inCall.catch(() => {});
    return Promise.race([dialog, inCall]);
  }

  /** "Start call" / "Join call" as a user does it: the top bar button, then the dialog's own button. Returns the join request's answer. */
  async joinCall(): Promise<{ via: 'dialog' | 'top bar'; status: number | null }> {
    const joined = this.page.waitForResponse((r) => r.request().method() === 'POST' && CALL_API.test(r.url()), { timeout: CALL_BUTTON_TIMEOUT_MS + JOIN_CALL_TIMEOUT_MS });
    joined.catch(() => {});
    const shown = await this.clickCallButton();
    if (shown === 'dialog') await this.dialogCallButton.click({ timeout: JOIN_CALL_TIMEOUT_MS });
    const res: Response | null = await joined.catch(() => null);
    await this.leaveButton.waitFor({ timeout: JOIN_CALL_TIMEOUT_MS });
    return { via: shown === 'dialog' ? 'dialog' : 'top bar', status: res?.status() ?? null };
  }

  /** Joins from the already open device dialog (after choosing a background, say). */
  async joinFromDialog(): Promise<number | null> {
    const joined = this.page.waitForResponse((r) => r.request().method() === 'POST' && CALL_API.test(r.url()), { timeout: JOIN_CALL_TIMEOUT_MS });
    joined.catch(() => {});
    await this.dialogCallButton.click({ timeout: JOIN_CALL_TIMEOUT_MS });
    const res = await joined.catch(() => null);
    await this.leaveButton.waitFor({ timeout: JOIN_CALL_TIMEOUT_MS });
    return res?.status() ?? null;
  }

  /** Backgrounds > Blur; resolves once the Blur button is pressed (or throws after the timeout). */
  async chooseBlur(timeoutMs: number): Promise<void> {
    await this.backgroundsTab.click({ timeout: timeoutMs });
    await this.blurButton.click({ timeout: timeoutMs });
  }

  /** "Leave call"; returns the status of `DELETE /call/{token}` (null when none was seen). */
  async leaveCall(): Promise<number | null> {
    const left = this.page.waitForResponse((r) => r.request().method() === 'DELETE' && CALL_API.test(r.url()), { timeout: JOIN_CALL_TIMEOUT_MS });
    left.catch(() => {});
    await this.leaveButton.click({ timeout: JOIN_CALL_TIMEOUT_MS });
    const res = await left.catch(() => null);
    return res?.status() ?? null;
  }
}
