import { BLUR_CHECKS } from './checks/blur.ts';
import { BROWSER_CHECKS } from './checks/browser.ts';
import { CALL_CHECKS } from './checks/call.ts';
import { DATABASE_CHECKS } from './checks/database.ts';
import { HPB_CHECKS } from './checks/hpb.ts';
import { HTTPS_CHECKS } from './checks/https.ts';
import { LOAD_CHECKS } from './checks/load.ts';
import { MOBILE_CHECKS } from './checks/mobile.ts';
import { TALK_CHECKS } from './checks/talk.ts';
import { TURN_CHECKS } from './checks/turn.ts';
import type { CheckDefinition } from './types.ts';

/**
 * Every check the suite can certify, as data: one file per area in checks/, joined here in the
 * order the reports use. Requirement texts quote Talk's
 * docs/system-requirements.md (nextcloud/spreed) unless another source is named.
 * Specs look their definition up by id; the reporter reads it back from the test's annotation,
 * so a check's title, severity and remedy live here and nowhere else.
 */
export const CHECKS = [
  ...HTTPS_CHECKS,
  ...BROWSER_CHECKS,
  ...TALK_CHECKS,
  ...HPB_CHECKS,
  ...BLUR_CHECKS,
  ...DATABASE_CHECKS,
  ...TURN_CHECKS,
  ...CALL_CHECKS,
  ...MOBILE_CHECKS,
  ...LOAD_CHECKS,
] as const satisfies readonly CheckDefinition[];

export type CheckId = (typeof CHECKS)[number]['id'];

const BY_ID: ReadonlyMap<string, CheckDefinition> = new Map(CHECKS.map((c) => [c.id, c]));

export function checkDefinition(id: CheckId): CheckDefinition {
  const def = BY_ID.get(id);
  if (!def) throw new Error(`unknown check id "${id}"`);
  return def;
}

export function isCheckId(id: string): id is CheckId {
  return BY_ID.has(id);
}
