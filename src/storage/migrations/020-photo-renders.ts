import type { Migration } from './index.ts';

/**
 * photo_renders: versions shown already whose display images are not made yet. A photo is
 * visible when its upload is durable; its display sizes follow (at the latest at the first
 * request for one), so a batch of uploads is not held behind its renders. The row is the
 * to-do list a restart picks up, and what a photo that turns out undecodable falls back to
 * (`previous_version_id`: the current photo it replaced, if any). It goes with its version.
 */
export const PHOTO_RENDERS: Migration = {
  id: '020-photo-renders',
  sql: `
CREATE TABLE photo_renders (
  version_id          INTEGER PRIMARY KEY REFERENCES photo_versions(id) ON DELETE CASCADE,
  source_sha256       TEXT NOT NULL,
  previous_version_id INTEGER,
  origin              TEXT NOT NULL,
  queued_at           TEXT NOT NULL
);
CREATE INDEX photo_renders_sha ON photo_renders (source_sha256);
`,
};
