import type { Migration } from './index.ts';

/**
 * Ties each web session to the password it was opened with (a fingerprint of the account's
 * argon2id hash), so that changing an account's password_hash ends its sessions. Sessions from
 * before this column have none and sign in again.
 */
export const SESSION_CREDENTIAL: Migration = {
  id: '006-session-credential',
  sql: `ALTER TABLE web_sessions ADD COLUMN credential TEXT NOT NULL DEFAULT '';`,
};
