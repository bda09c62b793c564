import { isIP } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { BROWSER_NAMES } from '../browsers/names.ts';
import { LOAD_ABSOLUTE_MAX, LOAD_DEFAULTS, capProblems } from '../load/limits.ts';
import { PROFILE_NAMES } from '../reference/profile-names.ts';
import { UI_PROFILE_NAMES } from '../reference/ui-profiles.ts';
import { SUPPORTED_NEXTCLOUD_MAJORS } from '../targets/testcontainers/versions.ts';

/**
 * Every variable the suite reads, validated before anything starts. `.env.example` documents the
 * same list; a unit test keeps the two in step.
 */

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const boundedInt = (min: number, max: number, dflt: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const talkUrl = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `is not a URL: "${v}" (expected e.g. https://cloud.example.com/)` });
    return z.NEVER;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', message: `must start with https:// (or http://), got "${url.protocol}"` });
    return z.NEVER;
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials; set TALK_USER and TALK_PASSWORD instead' });
    return z.NEVER;
  }
  if (url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must be the Nextcloud base URL without ?query or #fragment' });
    return z.NEVER;
  }
  // Base URL with a trailing slash, so relative paths resolve below a sub-folder install.
  url.pathname = url.pathname.replace(/\/?(index\.php\/?)?$/, '/');
  return url.toString();
});

const caFile = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (!existsSync(v)) {
    ctx.addIssue({ code: 'custom', message: `file not found: ${v}` });
    return z.NEVER;
  }
  const pem = readFileSync(v, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    ctx.addIssue({ code: 'custom', message: `${v} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return z.NEVER;
  }
  return v;
});

const browserList = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const names = v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(BROWSER_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `unknown browser "${unknown.join('", "')}"; known: ${BROWSER_NAMES.join(', ')}` });
    return z.NEVER;
  }
  return [...new Set(names)] as (typeof BROWSER_NAMES)[number][];
});

const appPath = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (!/^\/[\w./-]*[^/]$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: `must be a path like /apps/spreed or /custom_apps/spreed, got "${v}"` });
    return z.NEVER;
  }
  return v;
});

/** A Nextcloud release the testcontainers target can launch: a supported major, optionally with minor and patch (`32`, `32.0.1`). */
const nextcloudVersion = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const m = /^(\d+)(\.\d+){0,2}$/.exec(v.trim());
  if (!m || !(SUPPORTED_NEXTCLOUD_MAJORS as readonly string[]).includes(m[1]!)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a Nextcloud release of a supported major (${SUPPORTED_NEXTCLOUD_MAJORS.join(', ')}), like 32 or 32.0.1; got "${v}"`,
    });
    return z.NEVER;
  }
  return v.trim();
});

/**
 * TALK_HOSTS: `name=address[,name=address…]`, host names of the target that this machine's DNS
 * does not serve yet (certifying before a DNS cut-over, split-horizon DNS). The browsers are
 * launched to resolve them so (src/browsers/trust.ts), like curl's --resolve; Firefox can be given
 * only one address for all of them.
 */
const hostMap = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const entry of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)=(.+)$/i.exec(entry);
    if (!m || !isIP(m[5]!.trim())) {
      ctx.addIssue({ code: 'custom', message: `must be name=address pairs separated by commas (turn.example.com=203.0.113.7), got "${entry}"` });
      return z.NEVER;
    }
    out[m[1]!.toLowerCase()] = m[5]!.trim();
  }
  return Object.keys(out).length ? out : undefined;
});

/** TALK_REFERENCE_UI: the reference double's Talk UI profile (src/reference/ui-profiles.ts). */
const referenceUi = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (!(UI_PROFILE_NAMES as readonly string[]).includes(t)) {
    ctx.addIssue({ code: 'custom', message: `must be one of ${UI_PROFILE_NAMES.join(', ')} (the Talk release whose web UI the reference platform shows), got "${v}"` });
    return z.NEVER;
  }
  return t as (typeof UI_PROFILE_NAMES)[number];
});

const flag = optionalString.transform((v, ctx) => {
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  ctx.addIssue({ code: 'custom', message: `must be 1/true/yes or 0/false/no, got "${v}"` });
  return z.NEVER;
});

export const envSchema = z
  .object({
    TALK_TARGET: z.enum(['reference', 'url', 'testcontainers']).optional(),
    TALK_URL: talkUrl,
    TALK_PROFILE: z.enum(PROFILE_NAMES).optional(),
    TALK_REFERENCE_UI: referenceUi,
    TALK_USER: optionalString,
    TALK_PASSWORD: optionalString,
    TALK_USER2: optionalString,
    TALK_PASSWORD2: optionalString,
    TALK_ADMIN_USER: optionalString,
    TALK_ADMIN_PASSWORD: optionalString,
    TALK_CA_FILE: caFile,
    TALK_APP_PATH: appPath,
    TALK_BROWSERS: browserList,
    TALK_RETRIES: boundedInt(0, 3, 0),
    TALK_WORKERS: boundedInt(1, 8, 2),
    TALK_REPORT_DIR: optionalString,
    TALK_NEXTCLOUD_VERSION: nextcloudVersion,
    TALK_TC_REUSE: flag,
    TALK_TURN_RESTRICTED_NETWORK: flag,
    TALK_HOSTS: hostMap,
    // Load engine (src/load/limits.ts holds the defaults, caps and thresholds; caps checked below).
    TALK_LOAD_PARTICIPANTS: boundedInt(1, LOAD_ABSOLUTE_MAX.participants, LOAD_DEFAULTS.participants),
    TALK_LOAD_SENDERS: boundedInt(1, LOAD_ABSOLUTE_MAX.senders, LOAD_DEFAULTS.senders),
    TALK_LOAD_RATE: boundedInt(1, LOAD_ABSOLUTE_MAX.ratePerS, LOAD_DEFAULTS.ratePerS),
    TALK_LOAD_DURATION_S: boundedInt(1, LOAD_ABSOLUTE_MAX.durationS, LOAD_DEFAULTS.durationS),
    TALK_LOAD_RAMP_UP_S: boundedInt(0, 600, LOAD_DEFAULTS.rampUpS),
    TALK_LOAD_SIGNALING: flag,
    TALK_LOAD_POLLS_HELD: boundedInt(1, LOAD_ABSOLUTE_MAX.pollsHeld, LOAD_DEFAULTS.pollsHeld),
    TALK_LOAD_P95_DELIVERY_MS: boundedInt(1, 600_000, LOAD_DEFAULTS.p95DeliveryMs),
    TALK_LOAD_MAX_ERROR_PERCENT: boundedInt(0, 100, LOAD_DEFAULTS.maxErrorPercent),
    TALK_LOAD_ORDINARY_REQUEST_MS: boundedInt(1, 600_000, LOAD_DEFAULTS.ordinaryRequestMs),
    TALK_LOAD_POLL_DELIVERY_MS: boundedInt(1, 600_000, LOAD_DEFAULTS.pollDeliveryMs),
    TALK_LOAD_OVERRIDE_CAPS: flag,
    TALK_RUN_ID: optionalString.refine((v) => v === undefined || /^[a-z0-9-]{4,40}$/.test(v), {
      message: 'must be 4-40 characters of a-z, 0-9 and -',
    }),
  })
  .superRefine((env, ctx) => {
    const target = env.TALK_TARGET ?? (env.TALK_URL ? 'url' : 'reference');
    if (target === 'url') {
      if (!env.TALK_URL) ctx.addIssue({ code: 'custom', path: ['TALK_URL'], message: 'is required when TALK_TARGET=url' });
      if (!env.TALK_USER) ctx.addIssue({ code: 'custom', path: ['TALK_USER'], message: 'is required to certify a URL (a Talk user, or an app password login name)' });
      if (!env.TALK_PASSWORD) ctx.addIssue({ code: 'custom', path: ['TALK_PASSWORD'], message: 'is required to certify a URL (prefer an app password)' });
    }
    if (target === 'reference' && env.TALK_URL && env.TALK_TARGET === 'reference') {
      ctx.addIssue({ code: 'custom', path: ['TALK_URL'], message: 'must be empty with TALK_TARGET=reference (the reference platform has its own URL)' });
    }
    if (env.TALK_REFERENCE_UI && target !== 'reference') {
      ctx.addIssue({
        code: 'custom',
        path: ['TALK_REFERENCE_UI'],
        message: 'selects the web UI of the reference platform; unset it when certifying a URL or a testcontainers platform',
      });
    }
    if (env.TALK_HOSTS && target !== 'url') {
      ctx.addIssue({
        code: 'custom',
        path: ['TALK_HOSTS'],
        message: 'maps host names of a server certified by URL (TALK_URL); the reference and testcontainers platforms resolve their own names',
      });
    }
    if (env.TALK_PROFILE && target !== 'reference') {
      ctx.addIssue({ code: 'custom', path: ['TALK_PROFILE'], message: 'selects a fault profile of the reference platform; unset it when certifying a URL' });
    }
    if (target === 'testcontainers' && env.TALK_URL) {
      ctx.addIssue({ code: 'custom', path: ['TALK_URL'], message: 'must be empty with TALK_TARGET=testcontainers (the launched platform has its own URL)' });
    }
    if (target !== 'testcontainers') {
      if (env.TALK_NEXTCLOUD_VERSION) {
        ctx.addIssue({ code: 'custom', path: ['TALK_NEXTCLOUD_VERSION'], message: 'selects the Nextcloud image of TALK_TARGET=testcontainers; unset it for other targets' });
      }
      if (env.TALK_TC_REUSE) {
        ctx.addIssue({ code: 'custom', path: ['TALK_TC_REUSE'], message: 'keeps the TALK_TARGET=testcontainers platform between runs; unset it for other targets' });
      }
    }
    const loadCaps = capProblems(
      {
        participants: env.TALK_LOAD_PARTICIPANTS,
        senders: env.TALK_LOAD_SENDERS,
        ratePerS: env.TALK_LOAD_RATE,
        durationS: env.TALK_LOAD_DURATION_S,
        pollsHeld: env.TALK_LOAD_POLLS_HELD,
      },
      env.TALK_LOAD_OVERRIDE_CAPS,
    );
    for (const p of loadCaps) ctx.addIssue({ code: 'custom', path: [p.variable], message: p.message });
    if (Boolean(env.TALK_USER2) !== Boolean(env.TALK_PASSWORD2)) {
      ctx.addIssue({ code: 'custom', path: ['TALK_PASSWORD2'], message: 'TALK_USER2 and TALK_PASSWORD2 go together' });
    }
    if (Boolean(env.TALK_ADMIN_USER) !== Boolean(env.TALK_ADMIN_PASSWORD)) {
      ctx.addIssue({ code: 'custom', path: ['TALK_ADMIN_PASSWORD'], message: 'TALK_ADMIN_USER and TALK_ADMIN_PASSWORD go together' });
    }
  });

export type RawEnv = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;
