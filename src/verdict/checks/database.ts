import type { CheckDefinition } from '../types.ts';

/** The database area (conventions: see ../catalogue.ts). */
export const DATABASE_CHECKS = [
  {
    id: 'database.not-sqlite',
    area: 'database',
    title: 'Nextcloud does not run on SQLite',
    requirement: 'SQLite: must not be used (Talk system requirements: database).',
    severity: 'must',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'serverinfo `server.database.type` is mysql (MySQL/MariaDB), pgsql or oci — not sqlite3',
    remedy:
      'Move Nextcloud to MySQL/MariaDB or PostgreSQL: `occ db:convert-type --all-apps mysql|pgsql <user> <host> <database>` ' +
      '(Nextcloud admin manual, "Converting database type"). SQLite locks the whole database on every write, which Talk\'s chat and signaling polling hit constantly.',
  },
  {
    id: 'database.utf8mb4',
    area: 'database',
    title: '4-byte UTF-8 (emoji) round-trips unchanged through a chat message and a conversation name',
    requirement: 'MySQL/Maria DB: Must enable utf8mb4 support (Talk system requirements: database).',
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'a conversation named and a message containing U+1F600 and U+1D11E are accepted (201) and read back byte for byte',
    remedy:
      'Enable 4-byte support (Nextcloud admin manual, "Enabling MySQL 4-byte support"): set `innodb_file_per_table=1` in MySQL/MariaDB, then ' +
      '`occ config:system:set mysql.utf8mb4 --type boolean --value="true"` and `occ maintenance:repair` (converts the tables to utf8mb4).',
  },
  {
    id: 'database.version',
    area: 'database',
    title: "the database version is in Nextcloud's supported range",
    requirement: 'Nextcloud 32 supports MariaDB 10.6–11.8, MySQL 8.0–8.4, PostgreSQL 13–17 (admin manual system requirements; setup check "Database version").',
    severity: 'should',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'MariaDB 10.6–11.8, MySQL 8.0–8.4 or PostgreSQL 13–17',
    remedy: 'Upgrade the database server to a supported version (back up first; MariaDB/MySQL: run `mysql_upgrade` where the version needs it).',
  },
] as const satisfies readonly CheckDefinition[];
