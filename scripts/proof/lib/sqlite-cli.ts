import { execFileSync } from 'node:child_process';

/**
 * Queries the appliance's database with the sqlite3 command-line tool: an independent reader,
 * so a check never goes through the code it checks. Read-only.
 */
export function sqliteJson<T = Record<string, unknown>>(dbPath: string, sql: string): T[] {
  const out = execFileSync('sqlite3', ['-readonly', '-json', '-cmd', '.timeout 5000', dbPath, sql], { encoding: 'utf8' }).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

/** `PRAGMA integrity_check` and `PRAGMA foreign_key_check`: the problems found, [] when sound. */
export function databaseProblems(dbPath: string): string[] {
  const problems: string[] = [];
  const integrity = execFileSync('sqlite3', ['-readonly', dbPath, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim();
  if (integrity !== 'ok') problems.push(`integrity_check: ${integrity.slice(0, 500)}`);
  const fk = execFileSync('sqlite3', ['-readonly', dbPath, 'PRAGMA foreign_key_check;'], { encoding: 'utf8' }).trim();
  if (fk) problems.push(`foreign_key_check: ${fk.slice(0, 500)}`);
  return problems;
}
