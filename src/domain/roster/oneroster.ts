import { existsSync } from 'node:fs';
import { AppError } from '../../shared/errors.ts';
import { inspectCsv, readCsv } from './csv-reader.ts';
import { normalizeHeader } from './layout.ts';

/**
 * The OneRoster files that travel with users.csv. manifest.csv says the version and whether
 * users.csv is a full (bulk) export; roles.csv carries roles in 1.2; orgs.csv names schools.
 */
export interface OneRosterCompanions {
  version: string;
  /** "bulk" (full export: missing users may be deactivated), "delta" or "absent". */
  usersMode: 'bulk' | 'delta' | 'absent';
  /** user sourcedId → role text, primary role preferred (1.2 roles.csv). */
  roles?: Map<string, string>;
  /** org sourcedId → school name (orgs.csv). */
  orgs?: Map<string, string>;
}

export const ONEROSTER_COMPANIONS = ['manifest.csv', 'roles.csv', 'orgs.csv'] as const;

/** Reads the companion files that exist; `pathOf` gives the path of a sibling file or undefined. */
export async function readCompanions(pathOf: (name: string) => string | undefined): Promise<OneRosterCompanions> {
  const out: OneRosterCompanions = { version: '', usersMode: 'bulk' };
  const manifest = present(pathOf('manifest.csv'));
  if (manifest) {
    await eachRow(manifest, 'manifest.csv', (row) => {
      const key = (row.propertyname ?? '').trim().toLowerCase();
      const value = (row.value ?? '').trim().toLowerCase();
      if (key === 'oneroster.version') out.version = value;
      if (key === 'file.users' && (value === 'bulk' || value === 'delta' || value === 'absent')) out.usersMode = value;
    });
  }
  const roles = present(pathOf('roles.csv'));
  if (roles) {
    const map = new Map<string, string>();
    await eachRow(roles, 'roles.csv', (row) => {
      const user = row.usersourcedid?.trim();
      const role = row.role?.trim();
      if (!user || !role || row.status?.trim().toLowerCase() === 'tobedeleted') return;
      if (!map.has(user) || row.roletype?.trim().toLowerCase() === 'primary') map.set(user, role);
    });
    out.roles = map;
  }
  const orgs = present(pathOf('orgs.csv'));
  if (orgs) {
    const map = new Map<string, string>();
    await eachRow(orgs, 'orgs.csv', (row) => {
      if (row.sourcedid?.trim()) map.set(row.sourcedid.trim(), (row.name ?? '').trim() || row.sourcedid.trim());
    });
    out.orgs = map;
  }
  return out;
}

function present(path: string | undefined): string | undefined {
  return path && existsSync(path) ? path : undefined;
}

async function eachRow(path: string, name: string, fn: (row: Record<string, string>) => void): Promise<void> {
  try {
    const file = await inspectCsv(path);
    let header: string[] | undefined;
    await readCsv(file, path, (fields) => {
      if (!header) {
        header = fields.map(normalizeHeader);
        return;
      }
      const row: Record<string, string> = {};
      header.forEach((h, i) => (row[h] = fields[i] ?? ''));
      fn(row);
    });
  } catch (err) {
    if (err instanceof AppError) throw new AppError('invalid', `${name}: ${err.message}`);
    throw err;
  }
}
