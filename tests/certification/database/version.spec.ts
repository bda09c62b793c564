import { check, test } from '../../../fixtures/index.ts';
import { SUPPORTED_DATABASES, assessDatabase } from '../../../src/talk/database.ts';

const c = check('database.version');

test(c.title, c.details, async ({ serverInfo, evidence }) => {
  if (!serverInfo.visible) return evidence.notRun(`the database version is not visible: ${serverInfo.reason}`, { class: serverInfo.notRunClass, how: serverInfo.how });
  const db = assessDatabase(serverInfo.database);
  evidence.add('serverinfo', serverInfo.database).add('assessment', db).add('supportedRanges', SUPPORTED_DATABASES);
  // MariaDB and MySQL share dbtype `mysql`; which one it is comes from the version.
  if (db.engineFrom === 'version') evidence.inferred();
  const range = db.range ? `${db.range[0]}–${db.range[1]}` : 'no supported range';
  evidence.observed(`${db.engine} ${db.version} (supported: ${range})`);
  if (db.engine === 'SQLite') evidence.require(false, `SQLite ${db.version} has no supported version: Nextcloud supports it for testing only (see database.not-sqlite)`);
  if (db.supported === null)
    return evidence.notRun(`Nextcloud publishes no version range this suite knows for ${db.engine} (dbtype ${serverInfo.database.type}, version "${db.version}")`);
  evidence.require(db.supported, `${db.engine} ${db.version} is outside Nextcloud's supported range ${range}`);
});
