import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { addUsers } from '../web/helpers.ts';
import { databaseOf } from '../../src/storage/index.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/idphotos.js');
const HEADER = 'Asset Tag,Serial Number,Model,Building,Status,Local ID\n';
let dir: string;
let configFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'idphotos-devices-life-'));
  configFile = join(dir, 'appliance.toml');
  writeFileSync(configFile, `data_dir = "data"
[log]
level = "silent"
[roster]
quiet_seconds = 60
deactivate_missing = ["devices"]
[sftp]
listen = "127.0.0.1:0"
[web]
listen = "127.0.0.1:0"
`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(): Promise<App> {
  return createApp(loadConfigFile(configFile));
}

/** Commits a file to /incoming/data/ the way the SFTP layer does at CLOSE. */
async function commitUpload(app: App, name: string, content: string): Promise<void> {
  const tempPath = join(app.ctx.config.data_dir, `upload-${Date.now()}.tmp`);
  writeFileSync(tempPath, content);
  await app.ctx.folders.data.commit({ tempPath, name, size: statSync(tempPath).size, account: 'district' });
}

describe('devices.csv around the import pipeline', () => {
  it('is approved from the command line when held, like a roster file', async () => {
    const app = await open();
    const ten = Array.from({ length: 10 }, (_, i) => `D${i},,Chromebook,North,,`).join('\n');
    const first = await app.ctx.deviceImports.importFile({ path: writeTemp('a.csv', `${HEADER}${ten}\n`), file: 'devices.csv', origin: 'test' });
    expect(first.status).toBe('applied');
    const held = await app.ctx.deviceImports.importFile({ path: writeTemp('b.csv', `${HEADER}D0,,Chromebook,North,,\n`), file: 'devices.csv', origin: 'test' });
    expect(held).toMatchObject({ status: 'held', deactivated: 9 });
    await app.stop(100);

    const { stdout } = await run(process.execPath, [BIN, 'imports', 'approve', String(held.id), '--config', configFile], { cwd: dir });
    expect(stdout).toContain(`import ${held.id} devices.csv (devices): applied`);

    const again = await open();
    expect(again.ctx.devices.get('D9').status).toBe('retired');
    expect(again.ctx.devices.get('D0').status).toBe('available');
    await again.stop(100);
  });

  it('is imported at the next start when the appliance stopped inside the quiet period', async () => {
    const app = await open();
    addUsers(databaseOf(app.storage), [{ local_id: 'S001', first_name: 'Zoë', last_name: "O'Brien" }]);
    await app.start();
    await commitUpload(app, 'devices.csv', `${HEADER}00042,SN1,Chromebook,North,,S001\n`);
    await app.stop(100);

    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('quiet_seconds = 60', 'quiet_seconds = 0'));
    const again = await open();
    expect(() => again.ctx.devices.get('00042')).toThrow('No device');
    await again.start();
    await again.ctx.imports.idle();
    expect(again.ctx.devices.get('00042')).toMatchObject({ status: 'checked_out', local_id: 'S001' });
    expect(again.ctx.roster.listImports()[0]).toMatchObject({ file: 'devices.csv', status: 'applied', origin: 'startup' });
    await again.stop(100);
  });
});

function writeTemp(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
