import { createHmac } from 'node:crypto';
import { nowS, randomString } from '../store.ts';

/**
 * Talk's TURN settings (nextcloud/spreed lib/Config.php getTurnSettings): the credentials Talk
 * signs for clients, the URLs it lists per configured server, and the address the turn-unreachable
 * fault hands out instead. SignalingController::getSettings (talk/signaling.ts) puts them into the
 * signaling settings; the platform start (src/reference/start.ts) lists the same URLs.
 */

/** Talk's TURN credentials are valid for a day (lib/Config.php getTurnSettings: time() + 86400). */
const TURN_CREDENTIAL_LIFETIME_S = 86400;
const TURN_USERNAME_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Talk's TURN credentials (lib/Config.php getTurnSettings): `<expiry>:<16 random>` signed with HMAC-SHA1 of the server secret, base64. */
export function talkTurnCredentials(secret: string, now = nowS(), random16 = randomString(16, TURN_USERNAME_ALPHABET)): { username: string; credential: string } {
  const username = `${now + TURN_CREDENTIAL_LIFETIME_S}:${random16}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/**
 * Every scheme × protocol of every configured server: `turn:host:443?transport=udp` … (lib/Config.php
 * getTurnSettings). `host` is the TURN address; servers with `host: 'name'` use `name` instead.
 */
export function turnUrls(host: string, servers: { schemes: string[]; port: number; protocols: string[]; host?: 'address' | 'name' }[], name?: string): string[][] {
  return servers.map((s) => {
    const h = s.host === 'name' ? (name ?? host) : host;
    return s.schemes.flatMap((scheme) => s.protocols.map((p) => `${scheme}:${h}:${s.port}?transport=${p}`));
  });
}

/**
 * The turn-unreachable fault: an address in the instance's /24 that no interface holds
 * (10.213.N.4), so packets to it go nowhere and nothing answers, like a moved TURN server.
 */
export function unreachableTurnHost(turnHost: string): string {
  return turnHost.replace(/\.\d+$/, '.4');
}
