import { bindDb } from './bind.ts';
import type { Db } from './db.ts';

/** The action log of devices, loans and incidents: who did what, when. */
export interface DeviceActionRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  asset_tag: string | null;
  local_id: string | null;
  incident_id: number | null;
  detail: string;
}

export type NewDeviceAction = Omit<DeviceActionRow, 'id'>;

export function insertDeviceAction(db: Db, a: NewDeviceAction): void {
  db.run(
    'INSERT INTO device_actions (at, actor, action, asset_tag, local_id, incident_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    a.at, a.actor, a.action, a.asset_tag, a.local_id, a.incident_id, a.detail,
  );
}

export function actionsOfDevice(db: Db, assetTag: string, limit: number): DeviceActionRow[] {
  return db.all<DeviceActionRow>(
    'SELECT * FROM device_actions WHERE asset_tag = ? ORDER BY at DESC, id DESC LIMIT ?',
    assetTag, limit,
  );
}

export function createDeviceActionStore(db: Db) {
  return bindDb(db, { insertDeviceAction, actionsOfDevice });
}

export type DeviceActionStore = ReturnType<typeof createDeviceActionStore>;
