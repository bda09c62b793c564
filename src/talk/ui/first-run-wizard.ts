import type { Page } from '@playwright/test';

/**
 * Nextcloud's first-run wizard (app `firstrunwizard`, enabled by default on Nextcloud 30–32): on a
 * user's first page after logging in an NcModal (`#firstrunwizard`, `.first-run-wizard`, itself
 * `role="dialog"`) covers every page and intercepts clicks until it is closed. Its close button
 * sends `DELETE /apps/firstrunwizard/wizard` with the request token, which records the dismissal
 * for that user server-side (firstrunwizard src/App.vue, lib/Controller/WizardController.php;
 * Nextcloud's own tests use the same request). The suite does exactly that from inside a page of
 * the target, before it opens the conversation, so the wizard never covers Talk.
 */

/** The wizard's own markup (firstrunwizard src/components/FirstRunWizard.vue); no suite locator may match it. */
export const FIRST_RUN_WIZARD_SELECTOR = '#firstrunwizard, .first-run-wizard';
/** The wizard is mounted by a script after the page loaded: how long to look for it. */
export const FIRST_RUN_WIZARD_APPEAR_MS = 3_000;

export interface WizardDismissal {
  /** HTTP status of the DELETE (null when it could not be sent). */
  status: number | null;
  /** How the URL and token were obtained: Nextcloud's `OC` global, or `<head data-requesttoken>` without it. */
  via: 'OC global' | 'head data-requesttoken';
  url: string;
  /** Whether the wizard was on the page the suite dismissed it from. */
  seen: boolean;
  outcome: string;
}

/** In the page: the DELETE the wizard's close button sends. */
async function deleteWizardInPage(fallbackUrl: string): Promise<{ status: number | null; via: WizardDismissal['via']; url: string; error?: string }> {
  const oc = (window as unknown as { OC?: { generateUrl?: (p: string) => string; requestToken?: string } }).OC;
  const useOc = typeof oc?.generateUrl === 'function' && typeof oc.requestToken === 'string';
  const url = useOc ? oc!.generateUrl!('/apps/firstrunwizard/wizard') : fallbackUrl;
  const token = useOc ? oc!.requestToken! : (document.head.dataset['requesttoken'] ?? '');
  const via = useOc ? ('OC global' as const) : ('head data-requesttoken' as const);
  try {
    const r = await fetch(url, { method: 'DELETE', credentials: 'same-origin', headers: { requesttoken: token, 'OCS-APIRequest': 'true' } });
    return { status: r.status, via, url };
  } catch (e) {
    return { status: null, via, url, error: String(e) };
  }
}

/**
 * Dismisses the first-run wizard for the logged-in user of `page` (a page of the target after the
 * login), as its close button does. Never throws: the outcome goes into evidence.
 */
export async function dismissFirstRunWizard(page: Page, baseUrl: string): Promise<WizardDismissal> {
  // `index.php/…` reaches the route with and without pretty URLs, under any webroot of baseUrl.
  const fallbackUrl = new URL('index.php/apps/firstrunwizard/wizard', baseUrl).pathname;
  const r = await page.evaluate(deleteWizardInPage, fallbackUrl).catch((e: unknown) => ({ status: null, via: 'OC global' as const, url: fallbackUrl, error: String(e) }));
  // The DELETE does not close a wizard already on this page (its close button also hides it), so
  // it is still there to be seen; without the app there is nothing to wait for.
  const wizard = page.locator(FIRST_RUN_WIZARD_SELECTOR).first();
  const seen =
    r.status === 404
      ? (await wizard.count()) > 0
      : await wizard.waitFor({ state: 'attached', timeout: FIRST_RUN_WIZARD_APPEAR_MS }).then(
          () => true,
          () => false,
        );
  const outcome =
    r.status === 404
      ? 'no first-run wizard app (DELETE answered 404)'
      : r.status !== null && r.status >= 200 && r.status < 300
        ? `dismissed (DELETE ${r.status})${seen ? '; the wizard was showing' : '; the wizard was not showing'}`
        : `could not dismiss it: DELETE answered ${r.status ?? `nothing (${'error' in r ? r.error : 'no response'})`}`;
  return { status: r.status, via: r.via, url: r.url, seen, outcome };
}
