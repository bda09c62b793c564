import { check, test } from '../../../fixtures/index.ts';
import { assessDatabase } from '../../../src/talk/database.ts';

const c = check('database.not-sqlite');

test(c.title, c.details, async ({ serverInfo, evidence }) => {
  if (!serverInfo.visible) return evidence.notRun(`the database type is not visible: ${serverInfo.reason}`, { class: serverInfo.notRunClass, how: serverInfo.how });
  const db = assessDatabase(serverInfo.database);
  evidence.add('serverinfo', serverInfo.database).add('engine', db.engine);
  evidence.observed(`${db.engine} ${db.version} (serverinfo dbtype ${serverInfo.database.type})`);
  evidence.require(db.engine !== 'SQLite', `Nextcloud runs on SQLite (dbtype ${serverInfo.database.type}, version ${db.version}), which Talk says must not be used`);
});
