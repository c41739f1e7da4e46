import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, type Encoding } from './fixtures.ts';

export * from './fixtures.ts';
import { parseConfig } from '../../src/config/parse.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Db } from '../../src/storage/db.ts';
import { databaseOf, openStorage, type Storage } from '../../src/storage/index.ts';
import { Writable } from 'node:stream';
import { configureLogging, createLogger } from '../../src/shared/logger.ts';

const logLines: Record<string, unknown>[] = [];
configureLogging(
  'info',
  new Writable({
    write(chunk, _enc, done) {
      logLines.push(JSON.parse(String(chunk)));
      done();
    },
  }),
);

/** Every log line written so far by this test file (pino JSON, parsed). */
export function logs(): Record<string, unknown>[] {
  return logLines;
}
import { RosterService } from '../../src/domain/roster/service.ts';

export interface Env {
  dir: string;
  config: Config;
  db: Db;
  storage: Storage;
  roster: RosterService;
  /** Writes a fixture file (text in the given encoding, BOM when asked) and returns its path. */
  file(name: string, text: string | Buffer, encoding?: Encoding): string;
  user(localId: string): Record<string, unknown> | undefined;
  count(where?: string): number;
  close(): void;
}

/** A temp data_dir with a real SQLite database and a roster service over it. */
export function makeEnv(toml = ''): Env {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-roster-'));
  const config = parseConfig(toml, '', dir);
  const storage = openStorage(join(dir, 'idphotos.db'));
  const db = databaseOf(storage);
  const roster = new RosterService({ storage, config: config.roster, dataDir: dir, log: createLogger('roster-test') });
  return {
    dir,
    config,
    db,
    storage,
    roster,
    file(name, text, encoding = 'utf-8') {
      const path = join(dir, 'in', name);
      mkdirSync(join(dir, 'in'), { recursive: true });
      writeFileSync(path, typeof text === 'string' ? encode(text, encoding) : text);
      return path;
    },
    user: (id) => db.get('SELECT * FROM users WHERE local_id = ?', id),
    count: (where = '1') => db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM users WHERE ${where}`)!.n,
    close() {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


