/**
 * Nextcloud's brute-force protection as the double needs it: OC\Security\Bruteforce\Throttler
 * (lib/private/Security/Bruteforce/Throttler.php) and the limits of OCP\Security\Bruteforce\IThrottler.
 *
 * - An attempt is recorded per client address and action (`registerAttempt`); spreed records
 *   `talkRoomToken` whenever a request names a conversation token that does not exist or that the
 *   caller is not in (RoomController::joinRoom / getSingleRoom `$response->throttle(['action' =>
 *   'talkRoomToken'])`, InjectionMiddleware on RoomNotFoundException / ParticipantNotFoundException;
 *   the routes carry `#[BruteForceProtection(action: 'talkRoomToken')]`).
 * - The delay counts the attempts of the last 12 h for the address, whatever the action
 *   (`getDelay($ip)` with action ''): 0 without attempts, else `0.1 s × 2^attempts`, at most 25 s
 *   (MAX_DELAY), and 25 s outright past MAX_ATTEMPTS (10). This is what the capabilities publish
 *   as `bruteforce.delay` (OC\Security\Bruteforce\Capabilities) for the caller's address.
 * - `sleepDelayOrThrowOnMax`: at the maximum delay with more than 10 attempts in the last 30
 *   minutes, the request is refused with MaxDelayReached ("Reached maximum delay"), which
 *   BruteForceMiddleware turns into HTTP 429 (an OCSException for OCS controllers); below it,
 *   the request is delayed and the answer carries `X-Nextcloud-Bruteforce-Throttled: <ms>ms`.
 *
 * Nextcloud groups addresses by subnet (IpAddress::getSubnet: /32 for IPv4); the reference
 * platform has one client address, so the address is the key here.
 */

/** IThrottler::MAX_DELAY in ms. */
export const MAX_DELAY_MS = 25_000;
/** IThrottler::MAX_ATTEMPTS. */
export const MAX_ATTEMPTS = 10;
/** getAttempts' default window. */
const ATTEMPT_WINDOW_MS = 12 * 3_600_000;
/** sleepDelayOrThrowOnMax's window for refusing outright. */
const REFUSE_WINDOW_MS = 30 * 60_000;

export class Throttler {
  /** Client address → attempt times (ms) and actions. `*` seeds every address (a reference profile's earlier run). */
  private readonly attempts = new Map<string, { action: string; at: number }[]>();

  registerAttempt(action: string, ip: string, at = Date.now()): void {
    let list = this.attempts.get(ip);
    if (!list) this.attempts.set(ip, (list = []));
    list.push({ action, at });
  }

  attemptCount(ip: string, windowMs = ATTEMPT_WINDOW_MS, now = Date.now()): number {
    const mine = [...(this.attempts.get(ip) ?? []), ...(ip === '*' ? [] : (this.attempts.get('*') ?? []))];
    return mine.filter((a) => a.at > now - windowMs).length;
  }

  /** Throttler::getDelay($ip) in ms. */
  delayMs(ip: string): number {
    const n = this.attemptCount(ip);
    if (n === 0) return 0;
    if (n > MAX_ATTEMPTS) return MAX_DELAY_MS;
    const ms = Math.ceil(0.1 * 2 ** n * 1000);
    return ms > MAX_DELAY_MS ? MAX_DELAY_MS : ms;
  }

  /** sleepDelayOrThrowOnMax's refusal: the maximum delay and more than MAX_ATTEMPTS attempts in 30 minutes. */
  refuses(ip: string): boolean {
    return this.delayMs(ip) === MAX_DELAY_MS && this.attemptCount(ip, REFUSE_WINDOW_MS) > MAX_ATTEMPTS;
  }

  /** The attempts recorded so far, to restore later (a self-test's reset to the platform's start state). */
  snapshot(): Map<string, { action: string; at: number }[]> {
    return new Map([...this.attempts].map(([ip, list]) => [ip, list.map((a) => ({ ...a }))]));
  }

  restore(snapshot: ReadonlyMap<string, readonly { action: string; at: number }[]>): void {
    this.attempts.clear();
    for (const [ip, list] of snapshot)
      this.attempts.set(
        ip,
        list.map((a) => ({ ...a })),
      );
  }

  /** All attempts recorded, for self-tests (`occ security:bruteforce:attempts` counts them per address). */
  total(): number {
    let n = 0;
    for (const list of this.attempts.values()) n += list.length;
    return n;
  }
}
