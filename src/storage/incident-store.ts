import { bindDb } from './bind.ts';
import type { Db } from './db.ts';

export type IncidentType = 'damage' | 'loss' | 'theft' | 'other';

export interface IncidentRow {
  id: number;
  asset_tag: string;
  local_id: string;
  type: IncidentType;
  description: string;
  occurred_on: string;
  status: 'open' | 'closed';
  created_at: string;
  created_by: string;
  closed_at: string | null;
  closed_by: string | null;
  resolution: string;
}

/** An incident with the names the list shows, joined here so the list is one query. */
export interface IncidentListRow extends IncidentRow {
  first_name: string | null;
  last_name: string | null;
  model: string | null;
}

export interface NewIncident {
  asset_tag: string;
  local_id: string;
  type: IncidentType;
  description: string;
  occurred_on: string;
  created_by: string;
  created_at: string;
}

export function insertIncident(db: Db, i: NewIncident): number {
  return db.run(
    `INSERT INTO incidents (asset_tag, local_id, type, description, occurred_on, created_at, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    i.asset_tag, i.local_id, i.type, i.description, i.occurred_on, i.created_at, i.created_by,
  ).lastInsertRowid;
}

export function getIncident(db: Db, id: number): IncidentRow | undefined {
  return db.get<IncidentRow>('SELECT * FROM incidents WHERE id = ?', id);
}

export function closeIncidentRow(db: Db, id: number, by: string, resolution: string, now: string): number {
  return db.run(
    "UPDATE incidents SET status = 'closed', closed_at = ?, closed_by = ?, resolution = ? WHERE id = ? AND status = 'open'",
    now, by, resolution, id,
  ).changes;
}

const LIST_SELECT = `SELECT i.*, u.first_name, u.last_name, d.model FROM incidents i
  LEFT JOIN users u ON u.local_id = i.local_id LEFT JOIN devices d ON d.asset_tag = i.asset_tag`;

export function listIncidents(db: Db, opts: { status?: 'open' | 'closed'; limit: number }): IncidentListRow[] {
  return db.all<IncidentListRow>(
    `${LIST_SELECT} WHERE (? IS NULL OR i.status = ?) ORDER BY i.occurred_on DESC, i.id DESC LIMIT ?`,
    opts.status ?? null,
    opts.status ?? null,
    opts.limit,
  );
}

export function incidentsOfUser(db: Db, localId: string, limit: number): IncidentListRow[] {
  return db.all<IncidentListRow>(`${LIST_SELECT} WHERE i.local_id = ? ORDER BY i.occurred_on DESC, i.id DESC LIMIT ?`, localId, limit);
}

export function incidentsOfDevice(db: Db, assetTag: string, limit: number): IncidentListRow[] {
  return db.all<IncidentListRow>(`${LIST_SELECT} WHERE i.asset_tag = ? ORDER BY i.occurred_on DESC, i.id DESC LIMIT ?`, assetTag, limit);
}

export function createIncidentStore(db: Db) {
  return bindDb(db, { insertIncident, getIncident, closeIncidentRow, listIncidents, incidentsOfUser, incidentsOfDevice });
}

export type IncidentStore = ReturnType<typeof createIncidentStore>;
