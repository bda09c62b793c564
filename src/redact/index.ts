/**
 * Keeps secrets out of everything the suite writes: evidence, reports, logs, error messages.
 * Two layers: exact values we know (passwords, TURN secrets and credentials registered at run
 * time), and shapes that are secret whatever their value (Authorization and Cookie headers,
 * request tokens, TURN credentials in signaling settings).
 */

export const REDACTED = '<redacted>';

/** Header names whose values are always secret. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'requesttoken', 'nc-token', 'proxy-authorization']);
/** JSON keys whose values are always secret, wherever they appear. */
const SECRET_KEYS = new Set(['password', 'credential', 'secret', 'ticket', 'token_secret', 'apppassword', 'requesttoken', 'sessionid', 'helloauthparams']);

const known = new Set<string>();

/** Register a value that must never appear in output. Values shorter than 4 characters are ignored (they would redact noise). */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) {
    known.add(value);
    // The same secret as it appears in Basic auth, URL encoding and JSON escaping.
    known.add(encodeURIComponent(value));
    known.add(JSON.stringify(value).slice(1, -1));
  }
}

/**
 * Nextcloud's SameSite marker cookies, `nc_sameSiteCookielax=true` and `nc_sameSiteCookiestrict=true`
 * (`__Host-` prefixed over https; nextcloud/server lib/base.php sendSameSiteCookies): the same
 * constant on every server, not a secret. Registered, their value "true" would be redacted from all
 * output (seen: "isSecureContext=<redacted>" in https.browser.secure-context's evidence).
 */
const NOT_SECRET_COOKIE = /^(__Host-)?nc_sameSiteCookie(lax|strict)$/;

/** Register the values of a browser's or client's cookies (session ids, tokens), but Nextcloud's constant SameSite markers. */
export function registerCookieSecrets(cookies: readonly { name: string; value: string }[]): void {
  for (const c of cookies) if (!NOT_SECRET_COOKIE.test(c.name)) registerSecret(c.value);
}

/** Secrets registered from the environment of this process: every *_PASSWORD / *_SECRET variable. */
export function registerSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(env)) {
    if (/(PASSWORD|SECRET|TOKEN)\d*$/.test(k)) registerSecret(v);
  }
}

export function knownSecrets(): readonly string[] {
  return [...known];
}

/** Replaces every registered secret in a string, plus Basic/Bearer credentials. */
export function redactText(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const s of [...known].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{6,}/g, `$1 ${REDACTED}`);
}

/** Deep copy with secret keys and registered secret values replaced. */
export function redact<T>(value: T): T {
  return walk(value, undefined) as T;
}

function walk(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && (SECRET_KEYS.has(key.toLowerCase()) || SECRET_HEADERS.has(key.toLowerCase()))) {
    return value === undefined || value === null || value === '' ? value : REDACTED;
  }
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, undefined));
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, k);
    return out;
  }
  return value;
}
