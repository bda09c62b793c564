import type { OcsClient } from './ocs.ts';

/**
 * The database as Nextcloud's serverinfo app reports it (`ocs.data.server.database`), and
 * Nextcloud's supported version ranges (NC 32 setup check "Database version",
 * apps/settings/lib/SetupChecks/SupportedDatabase.php; docs/reference/talk-reference.md section 8).
 */

/** serverinfo `server.database`: `type` is Nextcloud's `dbtype` (`mysql` for MariaDB too). */
export interface ServerInfoDatabase {
  type: string;
  version: string;
  size?: string | number;
}

export type ServerInfoResult =
  | { visible: true; database: ServerInfoDatabase; system: Record<string, unknown> }
  | {
      visible: false;
      reason: string;
      status: number | null;
      /**
       * `environment` when no admin account was given (the run cannot see what only administrators
       * see: src/verdict/types.ts NotRunClass), else `incomplete`; with what establishes it.
       */
      notRunClass: 'environment' | 'incomplete';
      how: string;
    };

/** How to make the database visible to the suite. */
export const ADMIN_HOW = 'set TALK_ADMIN_USER and TALK_ADMIN_PASSWORD to an administrator account (an app password of an admin works)';

/** serverinfo's API; allowed for admins (or with an `NC-Token`), 401 for everyone else. */
export const SERVERINFO_PATH = 'apps/serverinfo/api/v1/info?format=json&skipApps=true&skipUpdate=true';

/** Reads serverinfo with an admin's OCS client. Never guesses: what it cannot read comes back as `visible: false` with the reason. */
export async function readServerInfo(admin: OcsClient): Promise<ServerInfoResult> {
  const res = await admin.get<{ server?: { database?: ServerInfoDatabase }; nextcloud?: { system?: Record<string, unknown> } }>(SERVERINFO_PATH, {
    expect: [200, 401, 403, 404],
  });
  if (res.status === 404) {
    return {
      visible: false,
      status: 404,
      reason: 'the serverinfo app is not enabled (GET …/apps/serverinfo/api/v1/info answered 404)',
      notRunClass: 'incomplete',
      how: 'enable the serverinfo app (`occ app:enable serverinfo`), which ships with Nextcloud',
    };
  }
  if (res.status !== 200) {
    return {
      visible: false,
      status: res.status,
      reason: `serverinfo refused the admin credentials (HTTP ${res.status}): the account given as admin is not an administrator`,
      notRunClass: 'incomplete',
      how: ADMIN_HOW,
    };
  }
  const db = res.data?.server?.database;
  if (!db || typeof db.type !== 'string') {
    return {
      visible: false,
      status: 200,
      reason: 'serverinfo answered without `server.database`',
      notRunClass: 'incomplete',
      how: 'check that the serverinfo app is the one shipped with this Nextcloud version',
    };
  }
  return { visible: true, database: { type: db.type, version: String(db.version ?? ''), size: db.size }, system: res.data.nextcloud?.system ?? {} };
}

export type DatabaseEngine = 'MariaDB' | 'MySQL' | 'PostgreSQL' | 'SQLite' | 'Oracle' | 'unknown';

export interface DatabaseAssessment {
  engine: DatabaseEngine;
  /** How the engine was told: from `dbtype` alone, or inferred from the version (MariaDB and MySQL share `dbtype` mysql). */
  engineFrom: 'dbtype' | 'version';
  version: string;
  /** [lowest, highest] supported `major.minor`, or null when Nextcloud publishes none for this engine. */
  range: [string, string] | null;
  /** true / false against the range; null when it cannot be judged (no range, unparsable version). */
  supported: boolean | null;
}

/** Nextcloud 32's supported ranges (SupportedDatabase setup check). SQLite has none: it is for testing only. */
export const SUPPORTED_DATABASES: Readonly<Partial<Record<DatabaseEngine, [string, string]>>> = {
  MariaDB: ['10.6', '11.8'],
  MySQL: ['8.0', '8.4'],
  PostgreSQL: ['13', '17'],
};

/** `major.minor` (or `major` alone for PostgreSQL ≥ 10, whose minor is a patch level) as a comparable pair. */
function parseVersion(v: string): [number, number] | null {
  const m = /^(\d+)(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : null;
}

function cmp(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * Which engine and whether its version is supported. For `mysql`, a version string containing
 * "MariaDB" or a major version of 10 or 11 means MariaDB (serverinfo strips the suffix:
 * the NC 32.0.1 sample reports MariaDB 10.11 as "10.11.19"; MySQL went from 8 to 9).
 */
export function assessDatabase(db: ServerInfoDatabase): DatabaseAssessment {
  const version = db.version;
  const parsed = parseVersion(version);
  let engine: DatabaseEngine;
  let engineFrom: DatabaseAssessment['engineFrom'] = 'dbtype';
  switch (db.type) {
    case 'mysql':
      engineFrom = 'version';
      engine = /mariadb/i.test(version) || (parsed !== null && parsed[0] >= 10 && parsed[0] <= 11) ? 'MariaDB' : 'MySQL';
      break;
    case 'pgsql':
      engine = 'PostgreSQL';
      break;
    case 'sqlite':
    case 'sqlite3':
      engine = 'SQLite';
      break;
    case 'oci':
      engine = 'Oracle';
      break;
    default:
      engine = 'unknown';
  }
  const range = SUPPORTED_DATABASES[engine] ?? null;
  let supported: boolean | null = null;
  if (engine === 'SQLite') supported = false;
  else if (range && parsed) {
    // PostgreSQL ranges are majors: 17.4 is within 13–17.
    const value: [number, number] = engine === 'PostgreSQL' ? [parsed[0], 0] : parsed;
    supported = cmp(value, parseVersion(range[0])!) >= 0 && cmp(value, parseVersion(range[1])!) <= 0;
  }
  return { engine, engineFrom, version, range, supported };
}

/** `mysql.utf8mb4` if serverinfo's `nextcloud.system` carries it (Nextcloud 32's serverinfo does not: it is in config.php, `occ config:system:get mysql.utf8mb4`): true/false, or null when not visible. */
export function utf8mb4Setting(system: Record<string, unknown>): boolean | null {
  const v = system['mysql.utf8mb4'];
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'yes' || v === 1 || v === '1') return true;
  if (v === 'false' || v === 'no' || v === 0 || v === '0') return false;
  return null;
}

/** A 4-byte UTF-8 probe: an emoji (U+1F600) and a non-emoji character outside the BMP (U+1D11E MUSICAL SYMBOL G CLEF). */
export const FOUR_BYTE_PROBE = '\u{1F600}\u{1D11E}';

/** Does the text carry a character outside the BMP (4 bytes in UTF-8)? */
export function hasFourByte(text: string): boolean {
  return /[\u{10000}-\u{10FFFF}]/u.test(text);
}
