/**
 * Opens `DIR/idphotos.db` as the appliance does (migrations included), adds one user named
 * after this runtime's driver, and prints the Local IDs it finds and the integrity check.
 * db.test.ts runs it under Node and Deno in turn on one file: each must read what the other wrote.
 */
import { join } from 'node:path';
import { DRIVER, integrityCheck } from '../../src/storage/db.ts';
import { databaseOf, openStorage } from '../../src/storage/index.ts';

const [dir, localId] = process.argv.slice(2);
if (!dir || !localId) throw new Error('usage: cross-open.ts DIR LOCALID');
const storage = openStorage(join(dir, 'idphotos.db'));
const db = databaseOf(storage);
const now = new Date().toISOString();
storage.users.insertMany([{ local_id: localId, first_name: DRIVER, last_name: 'Probe', middle_name: '', role: 'student', grade: '9', building: 'HS', email: '', username: '', position: '', active: 1, source: 'students.csv' }], now);
const ids = db.all<{ local_id: string }>('SELECT local_id FROM users ORDER BY created_at, local_id').map((r) => r.local_id);
const migrations = db.all<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id').length;
process.stdout.write(`${JSON.stringify({ driver: DRIVER, ids, migrations, found: storage.users.byLocalId(localId)?.first_name, integrity: integrityCheck(db) })}\n`);
storage.close();
