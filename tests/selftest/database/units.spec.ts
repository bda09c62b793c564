import { expect, test } from '@playwright/test';
import { assessDatabase, hasFourByte, FOUR_BYTE_PROBE, utf8mb4Setting } from '../../../src/talk/database.ts';

test('serverinfo database types and versions are classified against Nextcloud 32 ranges', () => {
  // The NC 32.0.1 sample: MariaDB 10.11 reported as dbtype mysql, version without a suffix.
  expect(assessDatabase({ type: 'mysql', version: '10.11.19' })).toMatchObject({ engine: 'MariaDB', engineFrom: 'version', supported: true });
  expect(assessDatabase({ type: 'mysql', version: '10.3.39' })).toMatchObject({ engine: 'MariaDB', supported: false });
  expect(assessDatabase({ type: 'mysql', version: '11.8.2-MariaDB-ubu2404' })).toMatchObject({ engine: 'MariaDB', supported: true });
  expect(assessDatabase({ type: 'mysql', version: '8.0.36' })).toMatchObject({ engine: 'MySQL', supported: true });
  expect(assessDatabase({ type: 'mysql', version: '9.1.0' })).toMatchObject({ engine: 'MySQL', supported: false });
  expect(assessDatabase({ type: 'pgsql', version: '17.4 (Debian 17.4-1.pgdg120+2)' })).toMatchObject({ engine: 'PostgreSQL', engineFrom: 'dbtype', supported: true });
  expect(assessDatabase({ type: 'pgsql', version: '12.20' })).toMatchObject({ engine: 'PostgreSQL', supported: false });
  expect(assessDatabase({ type: 'sqlite3', version: '3.40.1' })).toMatchObject({ engine: 'SQLite', supported: false, range: null });
  expect(assessDatabase({ type: 'oci', version: '19.0' })).toMatchObject({ engine: 'Oracle', supported: null });
});

test('mysql.utf8mb4 is read only where serverinfo shows it, and the probe is 4-byte UTF-8', () => {
  expect(utf8mb4Setting({})).toBeNull();
  expect(utf8mb4Setting({ 'mysql.utf8mb4': true })).toBe(true);
  expect(utf8mb4Setting({ 'mysql.utf8mb4': 'false' })).toBe(false);
  expect([...FOUR_BYTE_PROBE].every((ch) => Buffer.byteLength(ch) === 4)).toBe(true);
  expect(hasFourByte(FOUR_BYTE_PROBE)).toBe(true);
  expect(hasFourByte('Ünïcödé €')).toBe(false);
});
