import type { Storage } from '../../storage/index.ts';
import type { DeviceFields, DeviceRow } from '../../storage/device-store.ts';
import { assetTagProblem, fieldProblem, parseStatus } from './rules.ts';

/** One data row of devices.csv, by our column names, with its line number in the file. */
export interface DeviceRecord {
  line: number;
  asset_tag: string;
  serial_number?: string;
  model?: string;
  building?: string;
  status?: string;
  local_id?: string;
}

export interface LineError {
  line: number;
  message: string;
}

export interface DeviceChange {
  line: number;
  asset_tag: string;
  before: DeviceRow | undefined;
  after: DeviceFields;
}

export interface DevicePlan {
  adds: DeviceChange[];
  updates: DeviceChange[];
  unchanged: number;
  /** Devices missing from a full export, to retire (only when the kind is in `deactivate_missing`). */
  retire: DeviceRow[];
  errors: LineError[];
  /** Devices known before this import, the base of the hold percentages. */
  existing: number;
}

/** The columns of the native devices.csv, as the header names them. */
export const DEVICE_COLUMNS = {
  asset_tag: 'Asset Tag',
  serial_number: 'Serial Number',
  model: 'Model',
  building: 'Building',
  status: 'Status',
  local_id: 'Local ID',
} as const;

const EXCEL_NUMBER = /^\d+(\.\d+)?E[+-]?\d+$/i;

/**
 * Validates every row and compares the file with the devices table; writes nothing. Rows with
 * errors are left out of the plan and reported by line. An empty Status and Local ID keep what
 * the desk recorded for a known device; a Local ID means the device is checked out to that user
 * (a district's 1:1 assignment); `Available` with no Local ID checks it in.
 */
export function planDeviceImport({ devices, users }: Pick<Storage, 'devices' | 'users'>, records: Iterable<DeviceRecord>, opts: { retireMissing: boolean }): DevicePlan {
  const plan: DevicePlan = { adds: [], updates: [], unchanged: 0, retire: [], errors: [], existing: 0 };
  const tagLines = new Map<string, number[]>();
  const serialLines = new Map<string, number[]>();
  const candidates: { line: number; tag: string; fields: DeviceFields; keep: boolean }[] = [];

  for (const r of records) {
    const problems: string[] = [];
    const tag = (r.asset_tag ?? '').trim();
    if (EXCEL_NUMBER.test(tag)) problems.push(`Excel turned the asset tag into a number (${tag}): export the column as text`);
    else {
      const p = assetTagProblem(tag);
      if (p) problems.push(p);
    }
    const serial = (r.serial_number ?? '').trim();
    if (EXCEL_NUMBER.test(serial)) problems.push(`Excel turned the serial number into a number (${serial}): export the column as text`);
    const fields: DeviceFields = {
      serial_number: serial,
      model: (r.model ?? '').trim(),
      building: (r.building ?? '').trim(),
      status: 'available',
      local_id: null,
    };
    for (const [name, value] of [['serial number', fields.serial_number], ['model', fields.model], ['building', fields.building]] as const) {
      const p = fieldProblem(name, value);
      if (p) problems.push(p);
    }
    const status = parseStatus(r.status ?? '');
    const localId = (r.local_id ?? '').trim();
    if (status === null) {
      problems.push(`unknown status "${(r.status ?? '').trim()}": use Available, Checked Out, In Repair or Retired`);
    } else if (localId) {
      if (status && status !== 'checked_out') {
        problems.push(`the Local ID ${localId} says the device is checked out, but the status says ${r.status!.trim()}: leave one of them empty`);
      } else if (!users.exists(localId)) {
        problems.push(`no user has the Local ID ${localId} (Local IDs are case-sensitive): import the roster first or correct the ID`);
      }
      fields.status = 'checked_out';
      fields.local_id = localId;
    } else if (status === 'checked_out') {
      problems.push('the status says Checked Out but the Local ID is empty: give the Local ID of the user who has it');
    } else if (status) {
      fields.status = status;
    }
    if (tag) (tagLines.get(tag) ?? tagLines.set(tag, []).get(tag)!).push(r.line);
    if (serial) {
      const key = serial.toLowerCase();
      (serialLines.get(key) ?? serialLines.set(key, []).get(key)!).push(r.line);
    }
    if (problems.length) plan.errors.push({ line: r.line, message: problems.join('; ') });
    else candidates.push({ line: r.line, tag, fields, keep: status === undefined && !localId });
  }

  const duplicateLines = new Set<number>();
  for (const [what, map] of [['asset tag', tagLines], ['serial number', serialLines]] as const) {
    for (const [value, lines] of map) {
      if (lines.length < 2) continue;
      for (const line of lines) {
        duplicateLines.add(line);
        const others = lines.filter((l) => l !== line).join(', ');
        plan.errors.push({ line, message: `${what} ${value} appears more than once (also on line ${others})` });
      }
    }
  }

  const seen = new Set<string>();
  for (const c of candidates) {
    if (duplicateLines.has(c.line)) continue;
    const owner = c.fields.serial_number ? devices.getDeviceBySerial(c.fields.serial_number) : undefined;
    if (owner && owner.asset_tag !== c.tag && !tagLines.has(owner.asset_tag)) {
      plan.errors.push({ line: c.line, message: `serial number ${c.fields.serial_number} already belongs to device ${owner.asset_tag}` });
      continue;
    }
    seen.add(c.tag);
    const before = devices.getDevice(c.tag);
    if (before && c.keep) {
      c.fields.status = before.status;
      c.fields.local_id = before.local_id;
    }
    if (!before) plan.adds.push({ line: c.line, asset_tag: c.tag, before, after: c.fields });
    else if (same(before, c.fields)) plan.unchanged++;
    else plan.updates.push({ line: c.line, asset_tag: c.tag, before, after: c.fields });
  }
  plan.errors.sort((a, b) => a.line - b.line);

  plan.existing = devices.countAllDevices();
  if (opts.retireMissing) {
    for (const d of devices.devicesInService()) {
      if (!seen.has(d.asset_tag) && !tagLines.has(d.asset_tag)) plan.retire.push(d);
    }
  }
  return plan;
}

function same(a: DeviceRow, b: DeviceFields): boolean {
  return a.serial_number === b.serial_number && a.model === b.model && a.building === b.building && a.status === b.status && a.local_id === b.local_id;
}
