import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { DeviceService } from '../../src/domain/devices/devices.ts';
import { DeviceImporter } from '../../src/domain/devices/import.ts';
import { createLogger } from '../../src/shared/logger.ts';
import type { Db } from '../../src/storage/db.ts';
import type { Storage } from '../../src/storage/index.ts';
import { addUsers, snapshot, tempDb } from './helpers.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';

let db: Db;
let storage: Storage;
let dir: string;
let cleanup: () => void;
let devices: DeviceService;
let n = 0;

function importer(toml = ''): DeviceImporter {
  const config = parseConfig(`[roster]\n${toml}`, '', dir);
  return new DeviceImporter({ storage, config: config.roster, dataDir: dir, log: createLogger('devices-test') });
}

/** Writes an upload as its own file (the importer takes a snapshot of it). */
function upload(content: string | Buffer): string {
  const folder = join(dir, 'uploads', String(n++));
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'devices.csv');
  writeFileSync(path, content);
  return path;
}

const run = (imp: DeviceImporter, content: string | Buffer) => imp.importFile({ path: upload(content), origin: 'sftp:district' });

beforeEach(() => {
  ({ db, storage, dir, cleanup } = tempDb());
  devices = new DeviceService(storage);
  addUsers(db, [
    { local_id: 'S001', first_name: 'José', last_name: 'Nguyễn' },
    { local_id: '00123', first_name: 'Zoë', last_name: "O'Brien" },
  ]);
});
afterEach(() => cleanup());

const NATIVE = 'Asset Tag,Serial Number,Model,Building,Status,Local ID\n';

describe('devices.csv import', () => {
  it('applies the native layout, keeps leading zeros, records history, and skips the same content', async () => {
    const imp = importer();
    const csv = `\ufeff${NATIVE}000123,SN-1,"Chromebook 14, 4GB",Nord-Ost,,00123\n0042,SN-2,iPad,Süd,In Repair,\n`;
    const rec = await run(imp, csv);
    expect(rec).toMatchObject({ file: 'devices.csv', kind: 'devices', status: 'applied', added: 2, updated: 0, unchanged: 0, deactivated: 0, errors: [] });
    expect(rec.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(devices.get('000123')).toMatchObject({ status: 'checked_out', local_id: '00123', model: 'Chromebook 14, 4GB' });
    expect(devices.get('0042')).toMatchObject({ status: 'in_repair', building: 'Süd' });
    const again = await run(imp, csv);
    expect(again).toMatchObject({ status: 'applied', added: 0, updated: 0, unchanged: 2 });
    expect(again.reason).toContain(`same content as import ${rec.id}`);
  });

  it('reads Windows-1252 with semicolons and header names written another way', async () => {
    const text = 'asset_tag;SERIAL;Device Model;School;Status;Assigned To\r\nT1;X1;Café Book;Montréal;;S001\r\n';
    const rec = await run(importer(), iconv.encode(text, 'windows-1252'));
    expect(rec).toMatchObject({ status: 'applied', added: 1, encoding: 'windows-1252', delimiter: ';' });
    expect(devices.get('T1')).toMatchObject({ model: 'Café Book', building: 'Montréal', local_id: 'S001' });
  });

  it('skips bad rows with their line numbers and applies the rest', async () => {
    const good = Array.from({ length: 40 }, (_, i) => `G${i},,M,B,,`).join('\n');
    const rec = await run(importer(), `${NATIVE}${good}\n1.23457E+11,,M,B,,\n`);
    expect(rec.reason).toBe('');
    expect(rec).toMatchObject({ status: 'applied', added: 40, error_count: 1 });
    expect(rec.errors).toEqual([{ line: 42, local_id: '', message: expect.stringContaining('Excel turned the asset tag into a number') }]);
  });

  it.each([
    ['an empty file', '', 'empty'],
    ['a header without rows', NATIVE, 'no devices'],
    ['a file without an Asset Tag column', 'Serial,Model\nX,Y\n', 'needs an "Asset Tag" column'],
    ['too many bad rows', `${NATIVE}A1,,,,Lost,\nA2,,,,,S999\nA3,,,,,\n`, 'more than the 5% allowed'],
  ])('refuses %s whole, changing nothing', async (_name, csv, reason) => {
    const before = snapshot(db);
    const rec = await run(importer(), csv);
    expect(rec.status).toBe('refused');
    expect(rec.reason).toContain(reason);
    expect(snapshot(db)).toBe(before);
  });

  it('holds an import that would retire too many devices, then applies it on approval', async () => {
    const imp = importer('deactivate_missing = ["devices"]');
    await run(imp, `${NATIVE}${Array.from({ length: 10 }, (_, i) => `D${i},,M,B,,`).join('\n')}\n`);
    const before = snapshot(db);
    const held = await run(imp, `${NATIVE}D0,,M,B,,\nD1,,M,B,,\n`);
    expect(held).toMatchObject({ status: 'held', deactivated: 8 });
    expect(held.reason).toContain('would retire 8 of 10 devices');
    expect(snapshot(db)).toBe(before);
    expect(imp.owns(held.id)).toBe(true);

    const approved = await imp.approve(held.id, 'admin');
    expect(approved).toMatchObject({ status: 'applied', decided_by: 'admin', deactivated: 8 });
    expect(devices.get('D9').status).toBe('retired');
    await expect(imp.approve(held.id, 'admin')).rejects.toThrow('not held');
  });

  it('holds an import that would change most devices, and discards it on request', async () => {
    const imp = importer();
    await run(imp, `${NATIVE}A,,M,B,,\nB,,M,B,,\n`);
    const before = snapshot(db);
    const held = await run(imp, `${NATIVE}A,,M2,B,,\nB,,M2,B,,\n`);
    expect(held).toMatchObject({ status: 'held', updated: 2 });
    const newer = await run(imp, `${NATIVE}A,,M3,B,,\nB,,M3,B,,\n`);
    expect(newer.status).toBe('held');
    expect(imp.owns(held.id)).toBe(true);
    await expect(imp.approve(held.id, 'admin')).rejects.toThrow('is discarded, not held');
    const discarded = await imp.discard(newer.id, 'admin');
    expect(discarded).toMatchObject({ status: 'discarded', decided_by: 'admin' });
    expect(snapshot(db)).toBe(before);
  });
});
