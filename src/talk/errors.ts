/**
 * One error class for everything the Talk client can run into, with a stable `code` that the
 * CLI, the reports and the self-tests key on (undici's style: `lib/core/errors.js`).
 * Messages say who did what, what was expected, what was seen, and what to do next.
 */
export type TalkErrorCode =
  | 'NETWORK' // DNS failure, connection refused or reset
  | 'TLS' // certificate not trusted, expired, or for another host
  | 'TIMEOUT' // no answer within the named timeout
  | 'HTTP_STATUS' // an unexpected HTTP status
  | 'NOT_NEXTCLOUD' // the URL does not serve a Nextcloud status.php
  | 'NOT_INSTALLED' // Nextcloud is there but not installed
  | 'MAINTENANCE' // maintenance mode (status.php maintenance:true, or a 503 maintenance page)
  | 'UNAVAILABLE' // 502/503/504 from the web server or a proxy in front of Nextcloud
  | 'AUTH_REJECTED' // wrong login or password, disabled account
  | 'THROTTLED' // Nextcloud's brute-force protection or rate limit (429)
  | 'TALK_MISSING' // Talk not installed or not enabled for the user
  | 'OCS_FAILURE'; // an OCS envelope with a failure status

export class TalkError extends Error {
  constructor(
    readonly code: TalkErrorCode,
    message: string,
    readonly details: {
      url?: string;
      status?: number;
      body?: string;
      /** The answer's `Server` header: who answered (nginx, a load balancer, Apache), for diagnoses of refused requests. */
      server?: string;
      /** `X-Nextcloud-Bruteforce-Throttled` (e.g. `25600ms`): Nextcloud's brute-force protection delayed this answer. */
      bruteforceThrottled?: string;
      /** The body was an OCS envelope, i.e. Nextcloud itself answered (not a front in front of it). */
      ocs?: boolean;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TalkError';
  }
}

/** First part of a response body for an error message; bodies can be whole HTML pages. */
export function truncateBody(body: string, max = 300): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * What to do when Nextcloud's brute-force protection throttles this machine (OC\Security\Bruteforce\Throttler:
 * delays marked by `X-Nextcloud-Bruteforce-Throttled`, then HTTP 429 once the maximum delay is reached).
 * `occ security:bruteforce:reset <ip>` is core/Command/Security/ResetBruteforceAttempts.php; the
 * allowlist is the bruteforcesettings app's "Brute-force IP allowlist".
 */
export const THROTTLE_REMEDY =
  "Reset the attempts recorded for this machine's IP address with `occ security:bruteforce:reset <ip>`, and allowlist that address " +
  '(Administration settings > Security > Brute-force IP allowlist) before running the certification again. The suite does not retry.';
