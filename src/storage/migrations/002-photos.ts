import type { Migration } from './index.ts';

/**
 * The photo store. Photos are keyed by local_id WITHOUT a foreign key to users: a photo whose
 * Local ID is not (yet) a user is "unmatched" and becomes matched the moment a roster import
 * inserts that user.
 *
 * - photo_versions: every distinct image accepted for a Local ID (one row per local_id + sha256;
 *   identical bytes uploaded again reuse their row). `state` is 'pending' from the moment the
 *   source bytes are about to enter the content store until the display sizes are durable,
 *   then 'ready'. `seq` orders history (the last time it was made current). `owner` names the
 *   process (pid) working on a pending row, so startup reconcile leaves a live process's work alone.
 * - photos: the current photo of a Local ID. `seq` is the sequence number of the event that made
 *   it current, so the upload committed last wins even when an earlier one finishes rendering later.
 * - photo_files: what `/incoming/idphotos/` lists (name → version, size and mtime as uploaded).
 * - photo_rejections: every refused upload, with a reason an admin can act on.
 * - photo_trash: content (by sha256) that may be unreferenced; deleted once no version uses it.
 *   Written in the same transaction as the row that stopped using it, so a crash leaks nothing.
 * - photo_sequence: one counter shared by every process using this database (server and CLI).
 */
export const PHOTOS: Migration = {
  id: '002-photos',
  sql: `
CREATE TABLE photo_versions (
  id            INTEGER PRIMARY KEY,
  local_id      TEXT NOT NULL,
  source_sha256 TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('pending', 'ready')),
  format        TEXT NOT NULL,
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  bytes         INTEGER NOT NULL,
  file_name     TEXT NOT NULL,
  account       TEXT NOT NULL,
  remote_address TEXT NOT NULL DEFAULT '',
  owner         TEXT NOT NULL DEFAULT '',
  seq           INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  uploaded_at   TEXT NOT NULL,
  UNIQUE (local_id, source_sha256)
) STRICT;
CREATE INDEX photo_versions_local_seq ON photo_versions (local_id, seq);
CREATE INDEX photo_versions_sha ON photo_versions (source_sha256);
CREATE INDEX photo_versions_pending ON photo_versions (state) WHERE state = 'pending';

CREATE TABLE photos (
  local_id   TEXT PRIMARY KEY NOT NULL,
  version_id INTEGER NOT NULL REFERENCES photo_versions (id),
  seq        INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX photos_version ON photos (version_id);

CREATE TABLE photo_files (
  name         TEXT PRIMARY KEY NOT NULL,
  local_id     TEXT NOT NULL,
  version_id   INTEGER NOT NULL REFERENCES photo_versions (id),
  seq          INTEGER NOT NULL,
  mtime        INTEGER NOT NULL,
  committed_at TEXT NOT NULL
) STRICT;
CREATE INDEX photo_files_version ON photo_files (version_id);
CREATE INDEX photo_files_local ON photo_files (local_id);

CREATE TABLE photo_rejections (
  id             INTEGER PRIMARY KEY,
  file_name      TEXT NOT NULL,
  local_id       TEXT NOT NULL DEFAULT '',
  account        TEXT NOT NULL,
  remote_address TEXT NOT NULL DEFAULT '',
  origin         TEXT NOT NULL CHECK (origin IN ('sftp', 'cli', 'startup')),
  bytes          INTEGER NOT NULL,
  reason         TEXT NOT NULL,
  created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE photo_trash (
  source_sha256 TEXT PRIMARY KEY NOT NULL,
  queued_at     TEXT NOT NULL
) STRICT;

CREATE TABLE photo_sequence (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
) STRICT;
INSERT INTO photo_sequence (id, value) VALUES (1, 0);

-- Near-miss hints for unmatched photos look users up by case and by leading zeros.
CREATE INDEX users_local_id_nocase ON users (local_id COLLATE NOCASE);
CREATE INDEX users_local_id_unpadded ON users (ltrim(local_id, '0'));
`,
};
