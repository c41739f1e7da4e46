import type { Migration } from './index.ts';

/**
 * Devices, their loans (one row per check-out, closed by the check-in), incidents and the
 * action log of all three. Asset tags are text: `00042` and `42` are different devices.
 * Users are referenced by local_id without a foreign key, like photos: a roster import may
 * rewrite the users table, and a loan or an incident must outlive whatever it does.
 */
export const DEVICES: Migration = {
  id: '005-devices',
  sql: `
CREATE TABLE devices (
  asset_tag      TEXT PRIMARY KEY NOT NULL,
  serial_number  TEXT NOT NULL DEFAULT '',
  model          TEXT NOT NULL DEFAULT '',
  building       TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL DEFAULT 'available'
                 CHECK (status IN ('available', 'checked_out', 'in_repair', 'retired')),
  local_id       TEXT,
  source         TEXT NOT NULL DEFAULT '',
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  CHECK ((status = 'checked_out') = (local_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX devices_serial ON devices (serial_number COLLATE NOCASE) WHERE serial_number <> '';
CREATE INDEX devices_local_id ON devices (local_id) WHERE local_id IS NOT NULL;

CREATE TABLE device_loans (
  id              INTEGER PRIMARY KEY,
  asset_tag       TEXT NOT NULL REFERENCES devices (asset_tag) ON UPDATE CASCADE,
  local_id        TEXT NOT NULL,
  checked_out_at  TEXT NOT NULL,
  checked_out_by  TEXT NOT NULL,
  checked_in_at   TEXT,
  checked_in_by   TEXT
) STRICT;
-- NB: at most one open loan per device, whatever the code above it does.
CREATE UNIQUE INDEX device_loans_open ON device_loans (asset_tag) WHERE checked_in_at IS NULL;
CREATE INDEX device_loans_device ON device_loans (asset_tag, checked_out_at);
CREATE INDEX device_loans_user ON device_loans (local_id, checked_out_at);

CREATE TABLE incidents (
  id           INTEGER PRIMARY KEY,
  asset_tag    TEXT NOT NULL REFERENCES devices (asset_tag) ON UPDATE CASCADE,
  local_id     TEXT NOT NULL,
  type         TEXT NOT NULL CHECK (type IN ('damage', 'loss', 'theft', 'other')),
  description  TEXT NOT NULL,
  occurred_on  TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  closed_at    TEXT,
  closed_by    TEXT,
  resolution   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX incidents_status ON incidents (status, occurred_on);
CREATE INDEX incidents_device ON incidents (asset_tag);
CREATE INDEX incidents_user ON incidents (local_id);

CREATE TABLE device_actions (
  id           INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,
  action       TEXT NOT NULL,
  asset_tag    TEXT,
  local_id     TEXT,
  incident_id  INTEGER,
  detail       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX device_actions_device ON device_actions (asset_tag, at);
CREATE INDEX device_actions_at ON device_actions (at);

-- Check-out looks users up by email as well as by Local ID.
CREATE INDEX users_email_nocase ON users (email COLLATE NOCASE) WHERE email <> '';
`,
};
