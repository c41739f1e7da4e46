import { USERS } from './001-users.ts';
import { PHOTOS } from './002-photos.ts';
import { IMPORTS } from './003-imports.ts';
import { WEB } from './004-web.ts';
import { DEVICES } from './005-devices.ts';
import { SESSION_CREDENTIAL } from './006-session-credential.ts';
import { PHOTOS_NOCASE } from './007-photos-nocase.ts';
import { AUDIT_BACKUPS } from './008-audit-backups.ts';
import { ALERTS } from './015-alerts.ts';
import { DIRECTORY_STAFF } from './010-directory-staff.ts';
import { IMPORT_REPORT } from './011-import-report.ts';
import { UPGRADES } from './013-upgrades.ts';
import { PHOTO_DAY } from './012-photo-day.ts';
import { ROSTER_APPLIES } from './016-roster-applies.ts';
import { IMPORT_LISTED } from './018-import-listed.ts';
import { IMPORT_IN_PROGRESS } from './019-import-in-progress.ts';
import { PHOTO_RENDERS } from './020-photo-renders.ts';

export interface Migration {
  id: string;
  sql: string;
}

/**
 * Every schema change, in order. A static list (no directory read at run time) so that it
 * works inside the single executable. Never edit a released entry: append a new one.
 */
export const MIGRATIONS: readonly Migration[] = [USERS, PHOTOS, IMPORTS, WEB, DEVICES, SESSION_CREDENTIAL, PHOTOS_NOCASE, AUDIT_BACKUPS, ALERTS, DIRECTORY_STAFF, IMPORT_REPORT, UPGRADES, PHOTO_DAY, ROSTER_APPLIES, IMPORT_LISTED, IMPORT_IN_PROGRESS, PHOTO_RENDERS];
