import { bindDb } from './bind.ts';
import type { Db } from './db.ts';

/** SQL for devices and their loans. Knows tables, not rules: the domain decides what may happen. */
export type DeviceStatus = 'available' | 'checked_out' | 'in_repair' | 'retired';

export interface DeviceRow {
  asset_tag: string;
  serial_number: string;
  model: string;
  building: string;
  status: DeviceStatus;
  local_id: string | null;
  source: string;
  created_at: string;
  updated_at: string;
}

export interface LoanRow {
  id: number;
  asset_tag: string;
  local_id: string;
  checked_out_at: string;
  checked_out_by: string;
  checked_in_at: string | null;
  checked_in_by: string | null;
}

export interface DeviceFields {
  serial_number: string;
  model: string;
  building: string;
  status: DeviceStatus;
  local_id: string | null;
}

export function getDevice(db: Db, assetTag: string): DeviceRow | undefined {
  return db.get<DeviceRow>('SELECT * FROM devices WHERE asset_tag = ?', assetTag);
}

export function getDeviceBySerial(db: Db, serial: string): DeviceRow | undefined {
  return db.get<DeviceRow>(
    "SELECT * FROM devices WHERE serial_number = ? COLLATE NOCASE AND serial_number <> ''",
    serial,
  );
}

/** A device with the name of whoever has it, for lists. */
export interface DeviceListRow extends DeviceRow {
  holder_first_name: string | null;
  holder_last_name: string | null;
}

export function listDevices(db: Db, opts: { q?: string; status?: DeviceStatus; limit: number }): DeviceListRow[] {
  const like = opts.q ? `%${opts.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  return db.all<DeviceListRow>(
    `SELECT d.*, u.first_name AS holder_first_name, u.last_name AS holder_last_name
     FROM devices d LEFT JOIN users u ON u.local_id = d.local_id
     WHERE (@like IS NULL OR d.asset_tag LIKE @like ESCAPE '\\' OR d.serial_number LIKE @like ESCAPE '\\' OR d.model LIKE @like ESCAPE '\\')
       AND (@status IS NULL OR d.status = @status)
     ORDER BY d.asset_tag LIMIT @limit`,
    { like, status: opts.status ?? null, limit: opts.limit },
  );
}

export function insertDevice(db: Db, assetTag: string, f: DeviceFields, source: string, now: string): void {
  db.run(
    `INSERT INTO devices (asset_tag, serial_number, model, building, status, local_id, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    assetTag, f.serial_number, f.model, f.building, f.status, f.local_id, source, now, now,
  );
}

export function updateDevice(db: Db, assetTag: string, f: DeviceFields, source: string, now: string): void {
  db.run(
    `UPDATE devices SET serial_number = ?, model = ?, building = ?, status = ?, local_id = ?, source = ?, updated_at = ?
     WHERE asset_tag = ?`,
    f.serial_number, f.model, f.building, f.status, f.local_id, source, now, assetTag,
  );
}

export function setDeviceHolder(db: Db, assetTag: string, status: DeviceStatus, localId: string | null, now: string): void {
  db.run('UPDATE devices SET status = ?, local_id = ?, updated_at = ? WHERE asset_tag = ?', status, localId, now, assetTag);
}

export function openLoan(db: Db, assetTag: string, localId: string, by: string, now: string): number {
  return db.run(
    'INSERT INTO device_loans (asset_tag, local_id, checked_out_at, checked_out_by) VALUES (?, ?, ?, ?)',
    assetTag, localId, now, by,
  ).lastInsertRowid;
}

export function closeLoan(db: Db, assetTag: string, by: string, now: string): void {
  db.run(
    'UPDATE device_loans SET checked_in_at = ?, checked_in_by = ? WHERE asset_tag = ? AND checked_in_at IS NULL',
    now, by, assetTag,
  );
}

export function currentLoan(db: Db, assetTag: string): LoanRow | undefined {
  return db.get<LoanRow>('SELECT * FROM device_loans WHERE asset_tag = ? AND checked_in_at IS NULL', assetTag);
}

export function loansOfDevice(db: Db, assetTag: string, limit: number): LoanRow[] {
  return db.all<LoanRow>(
    'SELECT * FROM device_loans WHERE asset_tag = ? ORDER BY checked_out_at DESC, id DESC LIMIT ?',
    assetTag, limit,
  );
}

export function loansOfUser(db: Db, localId: string, limit: number): (LoanRow & { model: string; status: DeviceStatus })[] {
  return db.all(
    `SELECT l.*, d.model, d.status FROM device_loans l JOIN devices d USING (asset_tag)
     WHERE l.local_id = ? ORDER BY (l.checked_in_at IS NULL) DESC, l.checked_out_at DESC, l.id DESC LIMIT ?`,
    localId, limit,
  );
}

/** Devices a user has now. */
export function devicesHeldBy(db: Db, localId: string): DeviceRow[] {
  return db.all<DeviceRow>("SELECT * FROM devices WHERE local_id = ? AND status = 'checked_out' ORDER BY asset_tag", localId);
}

/** Clears a serial number before the device that had it takes another (the index is unique). */
export function clearSerial(db: Db, assetTag: string): void {
  db.run("UPDATE devices SET serial_number = '' WHERE asset_tag = ?", assetTag);
}

export function countAllDevices(db: Db): number {
  return db.get<{ n: number }>('SELECT count(*) AS n FROM devices')!.n;
}

/** Every device not retired (a full export retires those it no longer lists). */
export function devicesInService(db: Db): IterableIterator<DeviceRow> {
  return db.iterate<DeviceRow>("SELECT * FROM devices WHERE status <> 'retired'");
}

/** Devices and loans (devices, device_loans). */
export function createDeviceStore(db: Db) {
  return bindDb(db, {
    getDevice, getDeviceBySerial, listDevices, insertDevice, updateDevice, setDeviceHolder, openLoan, closeLoan, currentLoan,
    loansOfDevice, loansOfUser, devicesHeldBy, clearSerial, countAllDevices, devicesInService,
  });
}

export type DeviceStore = ReturnType<typeof createDeviceStore>;
