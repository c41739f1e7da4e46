import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceService } from '../../src/domain/devices/devices.ts';
import { applyDeviceImport } from '../../src/domain/devices/import-apply.ts';
import { planDeviceImport, type DeviceRecord } from '../../src/domain/devices/import-plan.ts';
import type { Db } from '../../src/storage/db.ts';
import type { Storage } from '../../src/storage/index.ts';
import { ADMIN, addUsers, snapshot, STAFF, tempDb } from './helpers.ts';

let db: Db;
let storage: Storage;
let cleanup: () => void;
let devices: DeviceService;
const IMPORT = { username: 'import:devices.csv', role: 'import' } as const;

beforeEach(() => {
  ({ db, storage, cleanup } = tempDb());
  devices = new DeviceService(storage);
  addUsers(db, [
    { local_id: 'S001', first_name: 'José', last_name: 'Nguyễn' },
    { local_id: 'S002', first_name: 'Ann', last_name: 'Smith-Jones' },
  ]);
});
afterEach(() => cleanup());

function run(rows: Omit<DeviceRecord, 'line'>[], retireMissing = false) {
  const plan = planDeviceImport(storage, rows.map((r, i) => ({ line: i + 2, ...r })), { retireMissing });
  const counts = db.tx(() => applyDeviceImport(storage, plan, IMPORT));
  return { plan, counts };
}

describe('devices.csv plan and apply', () => {
  it('adds devices with leading zeros kept and a Local ID meaning checked out', () => {
    const { plan, counts } = run([
      { asset_tag: '000123', serial_number: 'SN1', model: 'Chromebook', building: 'North', status: '', local_id: 'S001' },
      { asset_tag: '123', serial_number: 'SN2', model: 'iPad', building: 'South', status: 'In Repair', local_id: '' },
    ]);
    expect(plan.errors).toEqual([]);
    expect(counts).toEqual({ added: 2, updated: 0, unchanged: 0, deactivated: 0 });
    expect(devices.get('000123')).toMatchObject({ status: 'checked_out', local_id: 'S001', source: 'import:devices.csv' });
    expect(devices.get('123').status).toBe('in_repair');
    expect(devices.profile('000123').loans[0]).toMatchObject({ local_id: 'S001', checked_out_by: 'import:devices.csv' });
  });

  it('is a no-op the second time, keeps desk check-outs when Status and Local ID are empty, and reassigns', () => {
    const rows = [
      { asset_tag: 'A1', serial_number: 'X1', model: 'M', building: 'B', status: '', local_id: '' },
      { asset_tag: 'A2', serial_number: 'X2', model: 'M', building: 'B', status: '', local_id: 'S001' },
    ];
    run(rows);
    devices.checkOut('A1', 'S002', STAFF);
    expect(run(rows).counts).toEqual({ added: 0, updated: 0, unchanged: 2, deactivated: 0 });
    expect(devices.get('A1').local_id).toBe('S002');

    run([{ ...rows[0]!, status: 'Available' }, { ...rows[1]!, local_id: 'S002' }]);
    expect(devices.get('A1')).toMatchObject({ status: 'available', local_id: null });
    expect(devices.profile('A2').loans.map((l) => [l.local_id, Boolean(l.checked_in_at)])).toEqual([['S002', false], ['S001', true]]);
  });

  it('reports bad rows by line, both lines of a duplicate, and leaves them out', () => {
    const { plan } = run([
      { asset_tag: '1.23457E+11', model: 'x' },
      { asset_tag: 'D1', serial_number: 'S', status: 'lost' },
      { asset_tag: 'D2', local_id: 'S999' },
      { asset_tag: 'D3', status: 'Checked Out' },
      { asset_tag: 'D4', status: 'Retired', local_id: 'S001' },
      { asset_tag: 'D5', serial_number: 'dup' },
      { asset_tag: 'D6', serial_number: 'DUP' },
      { asset_tag: 'OK', serial_number: 'fine' },
    ]);
    expect(plan.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(plan.errors[0]!.message).toContain('Excel turned the asset tag into a number');
    expect(plan.errors[1]!.message).toContain('unknown status "lost"');
    expect(plan.errors[2]!.message).toContain('no user has the Local ID S999');
    expect(plan.errors.find((e) => e.line === 7)!.message).toContain('also on line 8');
    expect(devices.list().map((d) => d.asset_tag)).toEqual(['OK']);
  });

  it('retires devices missing from a full export only when asked, closing their loans', () => {
    run([{ asset_tag: 'A1' }, { asset_tag: 'A2', local_id: 'S001' }, { asset_tag: 'A3' }]);
    expect(run([{ asset_tag: 'A1' }]).counts.deactivated).toBe(0);
    const { counts, plan } = run([{ asset_tag: 'A1' }], true);
    expect(counts.deactivated).toBe(2);
    expect(plan.existing).toBe(3);
    expect(devices.get('A2')).toMatchObject({ status: 'retired', local_id: null });
    expect(devices.profile('A2').loans[0]!.checked_in_by).toBe('import:devices.csv');
  });

  it('plans without writing, and refuses a serial that belongs to another device', () => {
    devices.create({ asset_tag: 'OLD', serial_number: 'SER', model: '', building: '', status: 'available' }, ADMIN);
    const before = snapshot(db);
    const plan = planDeviceImport(storage, [{ line: 2, asset_tag: 'NEW', serial_number: 'ser' }], { retireMissing: false });
    expect(snapshot(db)).toBe(before);
    expect(plan.errors).toEqual([{ line: 2, message: 'serial number ser already belongs to device OLD' }]);
    // Two devices swapping serials in one file is fine.
    devices.create({ asset_tag: 'OTHER', serial_number: 'SER2', model: '', building: '', status: 'available' }, ADMIN);
    run([{ asset_tag: 'OLD', serial_number: 'SER2' }, { asset_tag: 'OTHER', serial_number: 'SER' }]);
    expect(devices.find('SER').asset_tag).toBe('OTHER');
  });
});
