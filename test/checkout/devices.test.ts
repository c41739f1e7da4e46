import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceService } from '../../src/domain/devices/devices.ts';
import { cleanScan } from '../../src/domain/devices/scan.ts';
import { parseStatus } from '../../src/domain/devices/rules.ts';
import { IncidentService } from '../../src/domain/incidents/incidents.ts';
import { isAppError } from '../../src/shared/errors.ts';
import type { Db } from '../../src/storage/db.ts';
import type { Storage } from '../../src/storage/index.ts';
import { ADMIN, addUsers, snapshot, STAFF, tempDb } from './helpers.ts';

let db: Db;
let storage: Storage;
let cleanup: () => void;
let devices: DeviceService;
let incidents: IncidentService;

beforeEach(() => {
  ({ db, storage, cleanup } = tempDb());
  devices = new DeviceService(storage);
  incidents = new IncidentService(storage);
  addUsers(db, [
    { local_id: 'S001', first_name: 'Zoë', last_name: "O'Brien", grade: '7', building: 'North', email: 'zoe@school.example' },
    { local_id: 's001', first_name: 'Lower', last_name: 'Case', email: 'twin@school.example' },
    { local_id: 'S002', first_name: 'Gone', last_name: 'Away', active: 0 },
    { local_id: 'S003', first_name: 'Sib', last_name: 'One', email: 'family@school.example' },
    { local_id: 'S004', first_name: 'Sib', last_name: 'Two', email: 'family@school.example' },
  ]);
  devices.create({ asset_tag: '00042', serial_number: '5CD1234XYZ', model: 'Chromebook 14', building: 'North', status: 'available' }, ADMIN);
  devices.create({ asset_tag: '42', serial_number: '', model: 'iPad', building: 'South', status: 'available' }, ADMIN);
  devices.create({ asset_tag: 'R-7', serial_number: 'REP7', model: 'Laptop', building: 'North', status: 'in_repair' }, ADMIN);
});
afterEach(() => cleanup());

function refusal(fn: () => unknown): { code: string; message: string } {
  const before = snapshot(db);
  try {
    fn();
  } catch (err) {
    expect(snapshot(db)).toBe(before);
    if (isAppError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('scanner input', () => {
  it.each([
    ['S001\r\n', 'S001'],
    ['  S001\t', 'S001'],
    ['\u0002S001\u0003', 'S001'],
    ['*S001*', 'S001'],
    ['\ufeff00042', '00042'],
    ['*', '*'],
  ])('%j → %j', (raw, clean) => expect(cleanScan(raw)).toBe(clean));

  it.each([
    ['Checked Out', 'checked_out'],
    ['checked-out', 'checked_out'],
    ['IN REPAIR', 'in_repair'],
    ['', undefined],
    ['lost', null],
  ])('status %j → %j', (raw, status) => expect(parseStatus(raw)).toBe(status));
});

describe('look-up', () => {
  it('finds a device by asset tag exactly, leading zeros kept, or by serial without case', () => {
    expect(devices.find('00042').model).toBe('Chromebook 14');
    expect(devices.find('42').model).toBe('iPad');
    expect(devices.find(' 5cd1234xyz\r').asset_tag).toBe('00042');
    expect(refusal(() => devices.find('0042'))).toMatchObject({ code: 'not_found', message: expect.stringContaining('"0042"') });
  });

  it('finds a user by Local ID case-sensitively, by card barcode, or by email', () => {
    expect(devices.findPerson('S001').first_name).toBe('Zoë');
    expect(devices.findPerson('s001').first_name).toBe('Lower');
    expect(devices.findPerson('*S001*\r').first_name).toBe('Zoë');
    expect(devices.findPerson('ZOE@school.example').local_id).toBe('S001');
    expect(refusal(() => devices.findPerson('family@school.example')).message).toContain('S003, S004');
    expect(refusal(() => devices.findPerson('S999')).code).toBe('not_found');
  });
});

describe('check-out and check-in', () => {
  it('checks a device out and in again, with who and when', () => {
    const device = devices.checkOutDevice('*00042*');
    const person = devices.checkOutPerson('zoe@school.example');
    const out = devices.checkOut(device.asset_tag, person.local_id, STAFF);
    expect(out.device).toMatchObject({ status: 'checked_out', local_id: 'S001' });

    const { holder } = devices.checkInDevice('5CD1234XYZ');
    expect(holder?.local_id).toBe('S001');
    const back = devices.checkIn('00042', { username: 'library', role: 'staff' }, 'S001');
    expect(back.device).toMatchObject({ status: 'available', local_id: null });

    const profile = devices.profile('00042');
    expect(profile.loans).toHaveLength(1);
    expect(profile.loans[0]).toMatchObject({ local_id: 'S001', checked_out_by: 'desk', checked_in_by: 'library' });
    expect(profile.loans[0]!.checked_in_at).toBeTruthy();
    expect(profile.actions.map((a) => [a.action, a.actor])).toEqual([
      ['device.check_in', 'library'],
      ['device.check_out', 'desk'],
      ['device.create', 'admin'],
    ]);
    expect(devices.ofPerson('S001').loans).toHaveLength(1);
  });

  it.each([
    ['an unknown device', () => devices.checkOutDevice('NOPE'), 'not_found', 'No device'],
    ['a device in repair', () => devices.checkOutDevice('R-7'), 'conflict', 'in repair'],
    ['an unknown user', () => devices.checkOutPerson('S999'), 'not_found', 'No user'],
    ['an inactive user', () => devices.checkOutPerson('S002'), 'conflict', 'inactive'],
    ['an empty scan', () => devices.checkOutDevice(' \r\n'), 'invalid', 'Enter or scan'],
    ['confirming an inactive user', () => devices.checkOut('00042', 'S002', STAFF), 'conflict', 'inactive'],
    ['confirming an unknown user', () => devices.checkOut('00042', 'S999', STAFF), 'not_found', 'S999'],
    ['checking in a device that is not out', () => devices.checkInDevice('42'), 'conflict', 'not checked out'],
  ])('refuses %s and records nothing', (_name, fn, code, text) => {
    const r = refusal(fn);
    expect(r.code).toBe(code);
    expect(r.message).toContain(text);
  });

  it('refuses a device that is already checked out, naming the holder, and records nothing', () => {
    devices.checkOut('00042', 'S001', STAFF);
    const r = refusal(() => devices.checkOut('00042', 'S003', STAFF));
    expect(r.message).toMatch(/already checked out to Zoë O'Brien \(S001\) since \d{4}-\d\d-\d\d/);
    expect(refusal(() => devices.checkOutDevice('00042')).code).toBe('conflict');
    expect(refusal(() => devices.checkIn('00042', STAFF, 'S003')).message).toContain('scan it again');
  });

  it('lets an admin edit a device but not change the status of one that is out', () => {
    devices.update('42', { serial_number: 'IPAD42', model: 'iPad 10', building: 'South', status: 'in_repair' }, ADMIN);
    expect(devices.get('42')).toMatchObject({ status: 'in_repair', serial_number: 'IPAD42' });
    devices.checkOut('00042', 'S001', STAFF);
    expect(refusal(() => devices.update('00042', { serial_number: '', model: 'x', building: '', status: 'retired' }, ADMIN)).code).toBe('conflict');
    expect(refusal(() => devices.create({ asset_tag: '42', serial_number: '', model: '', building: '', status: 'available' }, ADMIN)).code).toBe('conflict');
    expect(refusal(() => devices.create({ asset_tag: 'X1', serial_number: 'ipad42', model: '', building: '', status: 'available' }, ADMIN)).message).toContain('already belongs to device 42');
    expect(refusal(() => devices.create({ asset_tag: 'a/b', serial_number: '', model: '', building: '', status: 'available' }, ADMIN)).code).toBe('invalid');
  });
});

describe('incidents', () => {
  const today = new Date().toISOString().slice(0, 10);

  it('staff create, admins close, with who and when', () => {
    const created = incidents.create({ device: '00042', user: 'S002', type: 'damage', description: 'Cracked screen', occurred_on: today }, STAFF);
    expect(created).toMatchObject({ asset_tag: '00042', local_id: 'S002', status: 'open', created_by: 'desk' });
    expect(refusal(() => incidents.close(created.id, 'paid', STAFF)).code).toBe('forbidden');
    const closed = incidents.close(created.id, 'Screen replaced', ADMIN);
    expect(closed).toMatchObject({ status: 'closed', closed_by: 'admin', resolution: 'Screen replaced' });
    expect(refusal(() => incidents.close(created.id, '', ADMIN)).code).toBe('conflict');
    expect(incidents.list()[0]).toMatchObject({ id: created.id, first_name: 'Gone', model: 'Chromebook 14' });
    expect(incidents.detail(created.id).person?.local_id).toBe('S002');
    expect(devices.ofPerson('S002').incidents).toHaveLength(1);
  });

  it('reports every problem of a bad form at once and records nothing', () => {
    const r = refusal(() => incidents.create({ device: 'NOPE', user: 'S999', type: 'flood', description: ' ', occurred_on: '2026-02-30' }, STAFF));
    expect(r.code).toBe('invalid');
    for (const text of ['No device', 'No user', 'Choose the type', 'Describe', 'not a date']) expect(r.message).toContain(text);
    expect(refusal(() => incidents.get(12345)).code).toBe('not_found');
  });
});
