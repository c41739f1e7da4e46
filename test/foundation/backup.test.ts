import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { writeBackup } from '../../src/domain/backup/backup.ts';
import { mountSmallDisk } from '../../scripts/proof/full-disk.ts';
import { createWebApp } from '../../src/web/app.ts';
import { signInAs } from '../web/helpers.ts';
import { PASSWORD, photo, run, sftpBatch, startHarness, tempDir, type Harness } from '../sftp/harness.ts';
import { databaseOf } from '../../src/storage/index.ts';

const BIN = resolve(import.meta.dirname, '../../bin/idphotos.js');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness('[roster]\nquiet_seconds = 1\ndeactivate_missing = ["students"]');
  local = tempDir('idphotos-backup-');
});
afterAll(async () => h?.stop());

/** Uploads files with OpenSSH sftp into one folder, then waits for the imports to finish. */
async function upload(folder: 'idphotos' | 'data', files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(local, name), content);
  const res = await sftpBatch(h, [`cd /incoming/${folder}`, ...Object.keys(files).map((name) => `put ${name}`)], local);
  expect(res.stderr).toBe('');
  await h.app.ctx.imports.idle();
}

const backup = (dest: string) => run(process.execPath, [BIN, 'backup', dest, '--config', join(h.dir, 'appliance.toml')], { cwd: h.dir });

describe('idphotos backup', () => {
  it('copies a running appliance into a new private folder that starts as the same appliance', async () => {
    await upload('data', { 'students.csv': 'Local ID,First Name,Last Name\r\nS1,Ana,Ruiz\r\nS2,Ben,Okafor\r\nS3,Cy,Tran\r\n' });
    const first = await photo(11);
    const latest = await photo(12);
    await upload('idphotos', { 'S1.jpg': first, 'S2.jpg': await photo(13) });
    await upload('idphotos', { 'S1.jpg': latest });
    // A half-broken export, held for an admin: its file must travel with the backup.
    await upload('data', { 'students.csv': 'Local ID,First Name,Last Name\r\nS1,Ana,Ruiz\r\n' });
    const held = h.app.ctx.roster.listImports().find((r) => r.status === 'held')!;
    expect(held).toBeDefined();

    const dest = join(tempDir('idphotos-backups-'), 'nightly');
    const made = await backup(dest);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(`written to ${dest}`);
    expect(made.stdout).toContain('3 users, 2 current photos, 3 photo versions, 2 imports (integrity ok)');
    expect(statSync(dest).mode & 0o077).toBe(0);
    // It holds every record, so who took it is in the audit log, and the status page shows it.
    const web = createWebApp(h.app.ctx);
    const { cookie: adminCookie } = await signInAs(web, 'admin', PASSWORD);
    const status = async () => (await (await web.request('/admin/status', { headers: { cookie: adminCookie } })).text()).replace(/<[^>]+>/g, '');
    expect(h.app.ctx.audit.lastBackup()).toMatchObject({ action: 'backup', actor: expect.stringMatching(/^cli:/), detail: `to ${dest}: 3 users, 2 current photos, ${/\d+\.\d MiB/.exec(made.stdout)![0]}` });
    expect(await status()).toMatch(new RegExp(`Last backup\\s*\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC by cli:\\S+\\s*to ${dest}: 3 users`));

    const again = await backup(dest);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists: name a new folder for each backup');
    const inside = await backup(join(h.dir, 'data', 'backups', 'nightly'));
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('is inside data_dir');

    // Restoring is starting on the copy, here from another path than the original data_dir.
    const toml = readFileSync(join(h.dir, 'appliance.toml'), 'utf8').replace('data_dir = "data"', `data_dir = ${JSON.stringify(dest)}`);
    expect(toml).toContain(dest);
    const copy = await createApp(parseConfig(toml, '', tempDir()));
    await copy.start();
    try {
      expect(copy.ctx.hostKeys.map((k) => k.fingerprint)).toEqual(h.app.ctx.hostKeys.map((k) => k.fingerprint));
      expect(databaseOf(copy.storage).get<{ n: number }>('SELECT count(*) AS n FROM users')!.n).toBe(3);
      const listed = copy.ctx.folders.idphotos.stat('S1.jpg')!;
      expect(sha256(readFileSync(copy.ctx.folders.idphotos.contentPath('S1.jpg')!))).toBe(sha256(latest));
      expect(listed.size).toBe(latest.length);
      expect(copy.ctx.photos.history('S1').map((v) => v.source_sha256)).toEqual([sha256(latest), sha256(first)]);
      const shown = copy.ctx.photos.display('S2', 'profile');
      expect(shown.placeholder).toBe(false);
      expect((await shown.read()).length).toBeGreaterThan(0);
      expect(await copy.ctx.roster.approve(held.id, 'admin')).toMatchObject({ status: 'applied', deactivated: 2 });
    } finally {
      await copy.stop(100);
    }
  });

  it('copies again a roster file replaced while it ran, keeps every file private, refuses to copy itself', () => {
    const data = h.app.ctx.config.data_dir;
    const csv = join(data, 'incoming', 'data', 'students.csv');
    const newer = 'Local ID,First Name,Last Name\r\nS1,Ana,Ruiz\r\nS4,Dee,Nu\r\n';
    const root = tempDir('idphotos-backups-');
    // A backup cut off by a crash left this behind; it holds student records too.
    mkdirSync(join(root, 'second.partial-999999999'));
    const b = writeBackup(h.app.storage, data, join(root, 'second'), {
      // A nightly export lands between the first pass and the database snapshot (replaced by rename).
      afterFirstPass() {
        writeFileSync(`${csv}.new`, newer);
        renameSync(`${csv}.new`, csv);
      },
    });
    expect(readFileSync(join(b.dest, 'incoming', 'data', 'students.csv'), 'utf8')).toBe(newer);
    expect(readdirSync(root)).toEqual(['second']);
    for (const file of ['idphotos.db', 'ssh_host_ed25519_key', join('incoming', 'data', 'students.csv')]) {
      expect(statSync(join(b.dest, file)).mode & 0o077).toBe(0);
    }
    const shard = readdirSync(join(b.dest, 'photos', 'sha256'))[0]!;
    const [photoFile] = readdirSync(join(b.dest, 'photos', 'sha256', shard));
    expect(statSync(join(b.dest, 'photos', 'sha256', shard, photoFile!)).mode & 0o077).toBe(0);

    // Inside data_dir, also through a symlink to it, or in a folder whose name starts with "..".
    const link = join(tempDir(), 'data-link');
    symlinkSync(data, link);
    for (const [dir, dest] of [[data, join(data, 'backups', 'b1')], [link, join(data, 'b2')], [data, join(link, 'b3')], [data, join(data, '..b4')]] as const) {
      expect(() => writeBackup(h.app.storage, dir, dest)).toThrow(/is inside data_dir/);
      expect(existsSync(dest)).toBe(false);
    }
  });

  it('says so when the destination disk fills up, and keeps nothing there', async (t) => {
    const disk = mountSmallDisk();
    if ('skipped' in disk) return t.skip(disk.skipped);
    try {
      // Leave 64 KiB: less than the database snapshot and the photos need.
      const free = () => statfsSync(disk.dir).bavail * statfsSync(disk.dir).bsize;
      writeFileSync(join(disk.dir, 'ballast'), Buffer.alloc(free() - 64 * 1024));
      const full = await backup(join(disk.dir, 'nightly'));
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/^idphotos backup: the disk of .*nightly is full after \d+\.\d MiB: nothing was kept; free space there or choose another disk\n$/);
      expect(readdirSync(disk.dir)).toEqual(['ballast']);
    } finally {
      execFileSync('umount', [disk.dir]);
      rmSync(disk.dir, { recursive: true, force: true });
    }
  });

  it('refuses without a destination, and where there is nothing to back up', async () => {
    const none = await run(process.execPath, [BIN, 'backup'], { cwd: h.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: idphotos backup DEST');
    const empty = tempDir();
    writeFileSync(join(empty, 'appliance.toml'), 'data_dir = "data"\n');
    const nothing = await run(process.execPath, [BIN, 'backup', join(empty, 'b'), '--config', join(empty, 'appliance.toml')], { cwd: empty });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('holds no idphotos database');
  });
});
