import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { parseConfig } from '../../src/config/parse.ts';
import type { Config } from '../../src/config/schema.ts';
import { openDatabase, type Db } from '../../src/storage/db.ts';
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
  roster: RosterService;
  /** Writes a fixture file (text in the given encoding, BOM when asked) and returns its path. */
  file(name: string, text: string | Buffer, encoding?: Encoding): string;
  user(localId: string): Record<string, unknown> | undefined;
  count(where?: string): number;
  close(): void;
}

export type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le-bom' | 'utf-16be-bom' | 'windows-1252';

export function encode(text: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf-16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);
    case 'utf-16be-bom':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf-16be')]);
    case 'windows-1252':
      return iconv.encode(text, 'windows-1252');
  }
}

/** A temp data_dir with a real SQLite database and a roster service over it. */
export function makeEnv(toml = ''): Env {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-roster-'));
  const config = parseConfig(toml, '', dir);
  const db = openDatabase(join(dir, 'idphotos.db'));
  const roster = new RosterService({ db, config: config.roster, dataDir: dir, log: createLogger('roster-test') });
  return {
    dir,
    config,
    db,
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
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


/** Native students.csv text with `n` students S0001…, names with accents and apostrophes. */
export function students(rows: string[][], header = 'Local ID,First Name,Last Name,Middle Name,Grade,Building,Email,Username'): string {
  return [header, ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

export function csvCell(v: string): string {
  return /[",\r\n;]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function numbered(n: number, from = 1, grade = '05'): string[][] {
  const out: string[][] = [];
  for (let i = from; i < from + n; i++) {
    const id = `S${String(i).padStart(5, '0')}`;
    out.push([id, `First${i}`, `Last${i}`, '', grade, 'North', `${id.toLowerCase()}@example.org`, id.toLowerCase()]);
  }
  return out;
}
