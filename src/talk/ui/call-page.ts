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

/**
 * After one of Talk's own scripts failed to load, how long the call button still gets to appear
 * before the page is declared not drivable (instead of waiting out CALL_BUTTON_TIMEOUT_MS).
 */
export const SCRIPT_FAILED_GRACE_MS = 5_000;

/**
 * Talk's bundle and its chunks: `<app root>/spreed/js/….js|.mjs`, where the app root is `apps/` or
 * another app folder (`custom_apps/`, …; config.php apps_paths). Talk's page is rendered by these
 * scripts alone: spreed templates/index.php only adds `\OCP\Util::addScript('spreed', 'talk-main')`
 * and styles, so without the bundle there is no call button to wait for.
 */
const TALK_SCRIPT = /\/spreed\/js\/[^/?]+\.m?js(\?|$)/;

const CALL_API = /\/ocs\/v2\.php\/apps\/spreed\/api\/v4\/call\/[a-z0-9]+(\?|$)/;

/** A Talk page that loaded but does not show what the suite expected within the step's time: not the platform's failure. */
export class TalkUiNotDrivableError extends Error {
  override readonly name = 'TalkUiNotDrivableError';
}

/** What the page shows once the conversation is joined (the proof that it loaded; never a heading). */
export interface ConversationShown {
  /** The call button's accessible name ("Start call" / "Join call"). */
  callButton: string;
  /** The top bar's conversation title (TopBar.vue text), or null when not found. */
  topBarTitle: string | null;
  /** Status of the page's own `POST …/room/{token}/participants/active` (joining the conversation), null when not seen. */
  joinConversationStatus: number | null;
}

const JOIN_ROOM_API = /\/ocs\/v2\.php\/apps\/spreed\/api\/v4\/room\/[a-z0-9]+\/participants\/active(\?|$)/;

export class TalkCallPage {
  /** The page's `POST …/participants/active` answer, armed by open(). */
  private joinedRoom: Promise<Response | null> = Promise.resolve(null);
  /** Talk's scripts that failed to load since open(), path → how ("HTTP 404", "net::ERR_…"), and who waits for the first. */
  private readonly failedScripts = new Map<string, string>();
  private scriptFailed: () => void = () => {};

  constructor(
    readonly page: Page,
    readonly ui: TalkUiProfile,
  ) {}

  /**
   * The top bar's "Start call" / "Join call" (CallButton.vue; element per versions.ts). While the
   * device dialog is open its own call button has the same name; the top bar comes first in the
   * document.
   */
  get callButton(): Locator {
    return this.page.getByRole('button', { name: this.ui.callButtonNames }).first();
  }

  /** The plain "Leave call" button or the ≤ 21 moderators' "Leave call ▼" menu trigger (CallButton.vue). */
  get leaveButton(): Locator {
    const byName = this.page.getByRole('button', { name: this.ui.leaveButtonNames });
    return (this.ui.leaveButtonSelector ? byName.or(this.page.locator(this.ui.leaveButtonSelector)) : byName).first();
  }

  /** "Leave call" in the ≤ 21 moderators' menu (NcActionButton, role menuitem), not "End call for everyone". */
  get leaveMenuItem(): Locator {
    return this.page.getByRole('menuitem', { name: this.ui.leaveMenuItemName, exact: true });
  }

  /**
   * The device dialog ("Check devices" / "Media settings"): a dialog filtered by its heading, so
   * that the first-run wizard's dialog (or any other) never matches.
   */
  get deviceDialog(): Locator {
    return this.page.getByRole('dialog').filter({ has: this.page.getByRole('heading', { name: this.ui.deviceDialogNames }) });
  }

  get dialogCallButton(): Locator {
    return this.deviceDialog.getByRole('button', { name: this.ui.callButtonNames });
  }

  /** Backgrounds: a tab in MediaSettings.vue, a plain button in older builds; only present when blur is available. */
  get backgroundsTab(): Locator {
    const d = this.deviceDialog;
    return d
      .getByRole('tab', { name: this.ui.backgroundsName, exact: true })
      .or(d.getByRole('button', { name: this.ui.backgroundsName, exact: true }))
      .first();
  }

  /** VideoBackgroundEditor.vue: `<button class="background-editor__element">` with the text "Blur". */
  get blurButton(): Locator {
    return this.deviceDialog.getByRole('button', { name: 'Blur', exact: true });
  }

  get topBarTitle(): Locator {
    return this.page.locator(this.ui.topBarTitleSelector).first();
  }

  /** Whether "Blur" carries Talk's selected class (VideoBackgroundEditor.vue); there is no aria state. */
  async blurSelected(): Promise<boolean> {
    const cls = (await this.blurButton.getAttribute('class', { timeout: 1_000 }).catch(() => null)) ?? '';
    return cls.split(/\s+/).includes(this.ui.selectedTileClass);
  }

  /** Opens the conversation page; arms the wait for the page's own conversation join before it loads. */
  async open(baseUrl: string, token: string): Promise<{ status: number | null; url: string }> {
    this.watchTalkScripts();
    const joined = this.page.waitForResponse((r) => r.request().method() === 'POST' && JOIN_ROOM_API.test(r.url()), { timeout: CALL_BUTTON_TIMEOUT_MS }).catch(() => null);
    this.joinedRoom = joined;
    const res = await this.page.goto(new URL(`call/${token}`, baseUrl).toString(), { waitUntil: 'domcontentloaded', timeout: CALL_BUTTON_TIMEOUT_MS });
    return { status: res?.status() ?? null, url: this.page.url() };
  }

  /** Records Talk's scripts that answer an error or fail outright, from now on, on this page. */
  private watchTalkScripts(): void {
    // A script answering 404 is also reported as a failed request (net::ERR_ABORTED): the first word counts.
    const record = (url: string, how: string) => {
      const path = new URL(url).pathname;
      if (!this.failedScripts.has(path)) this.failedScripts.set(path, how);
      this.scriptFailed();
    };
    this.page.on('response', (r) => {
      if (r.status() >= 400 && r.request().resourceType() === 'script' && TALK_SCRIPT.test(r.url())) record(r.url(), `HTTP ${r.status()}`);
    });
    this.page.on('requestfailed', (r) => {
      if (r.resourceType() === 'script' && TALK_SCRIPT.test(r.url())) record(r.url(), r.failure()?.errorText ?? 'failed');
    });
  }

  /** Resolves SCRIPT_FAILED_GRACE_MS after the first of Talk's scripts failed to load (never, if none does). */
  private afterScriptFailed(): Promise<'script-failed'> {
    const failed = this.failedScripts.size ? Promise.resolve() : new Promise<void>((resolve) => (this.scriptFailed = resolve));
    return failed.then(() => new Promise((resolve) => setTimeout(() => resolve('script-failed' as const), SCRIPT_FAILED_GRACE_MS)));
  }

  /**
   * Waits until Talk shows the conversation as joined: the call button enabled with "Start call" /
   * "Join call" instead of "Connecting …" (CallButton.vue). Returns what it showed, with the top
   * bar's title for evidence. Throws (Playwright's TimeoutError, or TalkUiNotDrivableError) when
   * the page never gets there; a rejected conversation join is returned, not thrown, so that the
   * caller fails the platform for it.
   */
  async waitForConversation(): Promise<ConversationShown> {
    const deadline = Date.now() + CALL_BUTTON_TIMEOUT_MS;
    let joinStatus: number | null = null;
    const joinRejected = this.joinedRoom.then((r) => {
      joinStatus = r?.status() ?? null;
      return r && r.status() >= 400 ? ('rejected' as const) : new Promise<never>(() => {});
    });
    const shown = this.callButton.waitFor({ timeout: CALL_BUTTON_TIMEOUT_MS }).then(() => 'shown' as const);
    shown.catch(() => {});
    const first = await Promise.race([shown, joinRejected, this.afterScriptFailed()]);
    if (first === 'script-failed' && !(await this.callButton.isVisible().catch(() => false))) {
      // The page cannot render without Talk's bundle: say which script, not "Timeout 30000ms exceeded".
      throw new TalkUiNotDrivableError(
        `Talk's script ${[...this.failedScripts].map(([path, how]) => `${path} (${how})`).join(', ')} did not load, and no call button appeared within ${SCRIPT_FAILED_GRACE_MS / 1000} s after it: ` +
          "the web server does not serve Talk's JavaScript (apps/spreed/js/), or the app folder is incomplete (a failed update)",
      );
    }
    if (first !== 'rejected') {
      while (!(await this.callButton.isEnabled().catch(() => false))) {
        if (joinStatus !== null && joinStatus >= 400) break;
        if (Date.now() > deadline) {
          throw new TalkUiNotDrivableError(`the call button "${await this.callButtonName()}" stayed disabled for ${CALL_BUTTON_TIMEOUT_MS / 1000} s`);
        }
        await this.page.waitForTimeout(250);
      }
    }
    return { callButton: await this.callButtonName(), topBarTitle: await this.readTopBarTitle(), joinConversationStatus: joinStatus };
  }

  private async readTopBarTitle(): Promise<string | null> {
    const t = await this.topBarTitle.textContent({ timeout: 1_000 }).catch(() => null);
    return t?.trim() || null;
  }

  /**
   * The accessible name the call button has right now ("Start call", "Join call", "Connecting …"):
   * the version's element (versions.ts), else the button named like it. Not "any button named
   * …call…": the top bar's conversation header is a `role="button"` named after the conversation.
   */
  async callButtonName(): Promise<string> {
    const b = this.page
      .locator(this.ui.callButtonSelector)
      .or(this.page.getByRole('button', { name: this.ui.callButtonNames }))
      .first();
    return ((await b.getAttribute('aria-label', { timeout: 1_000 }).catch(() => null)) ?? (await b.textContent({ timeout: 1_000 }).catch(() => null)) ?? '').trim();
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

  /**
   * "Start call" / "Join call" as a user does it: the top bar button, then the dialog's own
   * button. Returns the join request's answer; waits for the leave control only when it was 200
   * (a rejected join is the platform's answer, not a UI that could not be driven).
   */
  async joinCall(): Promise<{ via: 'dialog' | 'top bar'; status: number | null }> {
    const joined = this.page.waitForResponse((r) => r.request().method() === 'POST' && CALL_API.test(r.url()), { timeout: CALL_BUTTON_TIMEOUT_MS + JOIN_CALL_TIMEOUT_MS });
    joined.catch(() => {});
    const shown = await this.clickCallButton();
    if (shown === 'dialog') await this.dialogCallButton.click({ timeout: JOIN_CALL_TIMEOUT_MS });
    const res: Response | null = await joined.catch(() => null);
    if (res && res.status() !== 200) return { via: shown === 'dialog' ? 'dialog' : 'top bar', status: res.status() };
    await this.leaveButton.waitFor({ timeout: JOIN_CALL_TIMEOUT_MS });
    return { via: shown === 'dialog' ? 'dialog' : 'top bar', status: res?.status() ?? null };
  }

  /** Joins from the already open device dialog (after choosing a background, say). */
  async joinFromDialog(): Promise<number | null> {
    const joined = this.page.waitForResponse((r) => r.request().method() === 'POST' && CALL_API.test(r.url()), { timeout: JOIN_CALL_TIMEOUT_MS });
    joined.catch(() => {});
    await this.dialogCallButton.click({ timeout: JOIN_CALL_TIMEOUT_MS });
    const res = await joined.catch(() => null);
    if (res && res.status() !== 200) return res.status();
    await this.leaveButton.waitFor({ timeout: JOIN_CALL_TIMEOUT_MS });
    return res?.status() ?? null;
  }

  /** Opens Backgrounds in the device dialog. */
  async openBackgrounds(timeoutMs: number): Promise<void> {
    await this.backgroundsTab.click({ timeout: timeoutMs });
    await this.blurButton.waitFor({ timeout: timeoutMs });
  }

  /**
   * "Leave call": the plain button, or on Talk ≤ 21 for owners/moderators the menu trigger, then
   * its item "Leave call" (never "End call for everyone"). Returns how it left and the status of
   * `DELETE /call/{token}` (null when none was seen).
   */
  async leaveCall(): Promise<{ via: 'button' | 'menu'; status: number | null }> {
    const left = this.page.waitForResponse((r) => r.request().method() === 'DELETE' && CALL_API.test(r.url()), { timeout: JOIN_CALL_TIMEOUT_MS });
    left.catch(() => {});
    await this.leaveButton.click({ timeout: JOIN_CALL_TIMEOUT_MS });
    // Either the click left (plain button), or it opened the NcActions menu.
    const menu = this.leaveMenuItem.waitFor({ timeout: JOIN_CALL_TIMEOUT_MS }).then(() => 'menu' as const);
    const direct = left.then((r) => (r ? ('button' as const) : new Promise<never>(() => {})));
    menu.catch(() => {});
    const via = await Promise.race([menu, direct]);
    if (via === 'menu') await this.leaveMenuItem.click({ timeout: JOIN_CALL_TIMEOUT_MS });
    const res = await left.catch(() => null);
    return { via, status: res?.status() ?? null };
  }
}
