// Scheduled backups taken by a running appliance (through `idphotos backup` in a child process),
// on an injected clock: daily at backup.schedule, pruned to backup.keep, a failure raised as an
// alert and resolved by the next success, all listed on the status page.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { backupName, nextOccurrence } from '../../src/domain/backup/schedule.ts';
import { createWebApp } from '../../src/web/app.ts';
import { signInAs } from '../web/helpers.ts';
import { photo } from '../sftp/harness.ts';
import { PASSWORD, startAppliance, type Appliance } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../../bin/idphotos.js');
const DAY = 24 * 60 * 60 * 1000;

describe('[backup] schedule', () => {
  let a: Appliance;
  let dir: string;
  let ahead = 0;
  let due: number;
  const statusText = async () => {
    const web = createWebApp(a.app.ctx);
    const { cookie } = await signInAs(web, 'admin', PASSWORD);
    return (await (await web.request('/admin/status', { headers: { cookie } })).text()).replace(/<[^>]+>/g, '');
  };
  /** Moves the appliance's clock just past `at` and waits for the backup due then to end. */
  const runDue = async (at: number) => {
    ahead = at - Date.now() + 1000;
    await expect.poll(() => a.app.ctx.backupSchedule.last()?.due, { timeout: 60_000 }).toBe(new Date(at).toISOString());
    return a.app.ctx.backupSchedule.last()!;
  };

  beforeAll(async () => {
    a = await startAppliance('[backup]\ndir = "backups"\nschedule = "02:30"\nkeep = 2\n[alerts]\nbackup_overdue_hours = 0', {
      overrides: { now: () => Date.now() + ahead, selfCommand: [process.execPath, BIN], backupTickMs: 100 },
    });
    dir = join(a.dir, 'backups');
    due = nextOccurrence('02:30', Date.now());
    expect((await a.upload('idphotos', { 'S1.jpg': await photo(1) })).stderr).toBe('');
  });
  afterAll(async () => a?.stop());

  it('is due at the next 02:30 of the server clock, and nothing is taken before', async () => {
    expect(a.app.ctx.backupSchedule.nextAt()).toBe(new Date(due).toISOString());
    expect(new Date(due).getHours()).toBe(2);
    expect(new Date(due).getMinutes()).toBe(30);
    expect(existsSync(dir)).toBe(false);
    expect(await statusText()).toMatch(/Scheduled backups\s*Daily at 02:30 \(server time\) into \S+backups, the newest 2 kept\. Next: \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('takes a backup at the time, checked and audited as `idphotos backup` does, in a private folder', async () => {
    const run = await runDue(due);
    expect(run).toMatchObject({ ok: true, dest: join(dir, backupName(due)) });
    expect(run.message).toMatch(/^database: 0 users, 1 current photos, 1 photo versions, 0 imports \(integrity ok\)$/);
    expect(existsSync(join(run.dest, 'idphotos.db'))).toBe(true);
    expect(statSync(run.dest).mode & 0o077).toBe(0);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(a.app.ctx.audit.lastBackup()).toMatchObject({ actor: 'idphotos:schedule', detail: expect.stringContaining(`to ${run.dest}: 0 users, 1 current photos`) });
    expect(a.app.ctx.backupSchedule.nextAt()).toBe(new Date(due + DAY).toISOString());
    const page = await statusText();
    expect(page).toContain(`ok The last one, due`);
    expect(page).toContain(backupName(due));
  }, 90_000);

  it('keeps backup.keep of them: the oldest goes after each success', async () => {
    await runDue(due + DAY);
    expect(readdirSync(dir).sort()).toEqual([backupName(due), backupName(due + DAY)]);
  }, 90_000);

  it('a failed backup is an alert, deletes nothing, and the next success resolves it', async () => {
    // The folder now leads into data_dir: `idphotos backup` refuses (it would copy itself).
    const moved = `${dir}-aside`;
    rmSync(moved, { recursive: true, force: true });
    const { renameSync } = await import('node:fs');
    renameSync(dir, moved);
    mkdirSync(join(a.dir, 'data', 'inside'), { recursive: true });
    symlinkSync(join(a.dir, 'data', 'inside'), dir);
    const failed = await runDue(due + 2 * DAY);
    expect(failed.ok).toBe(false);
    expect(failed.message).toContain('is inside data_dir');
    expect(a.app.ctx.alerts.active()).toEqual([expect.objectContaining({ cause: 'backup-failed', title: 'the scheduled backup failed', detail: expect.stringContaining('is inside data_dir') })]);
    const page = await statusText();
    expect(page).toContain('failed The last one, due');
    expect(page).toContain('the scheduled backup failed');

    rmSync(dir);
    renameSync(moved, dir);
    expect(readdirSync(dir).sort()).toEqual([backupName(due), backupName(due + DAY)]);
    const ok = await runDue(due + 3 * DAY);
    expect(ok.ok).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([backupName(due + DAY), backupName(due + 3 * DAY)]);
    // The deleted one held every record: its deletion is in the audit log.
    expect(a.app.ctx.audit.list({ actor: 'idphotos:schedule', limit: 10 }).map((e) => e.detail)).toContain(`old backup ${join(dir, backupName(due))} deleted (backup.keep = 2)`);
    expect(a.app.ctx.alerts.active()).toEqual([]);
  }, 120_000);
});

describe('[backup] configuration', () => {
  it.each([
    ['schedule = "2:30"\ndir = "/srv/b"', 'backup.schedule: must be a time of day like "02:30"'],
    ['schedule = "24:00"\ndir = "/srv/b"', 'backup.schedule: must be a time of day like "02:30"'],
    ['schedule = "02:30"', 'backup.dir: backup.schedule needs dir'],
    ['dir = "data/backups"', 'is inside data_dir'],
    ['keep = 0', 'backup.keep: must be at least 1'],
  ])('refuses %s', (toml, message) => {
    expect(() => parseConfig(`[backup]\n${toml}\n`, '/etc/idphotos/a.toml')).toThrow(message);
  });

  it('the next time is on the local clock, the next day once it has passed', () => {
    const at = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi).getTime();
    expect(nextOccurrence('02:30', at(2026, 12, 3, 1, 0))).toBe(at(2026, 12, 3, 2, 30));
    expect(nextOccurrence('02:30', at(2026, 12, 3, 2, 30))).toBe(at(2026, 12, 4, 2, 30));
    expect(nextOccurrence('23:59', at(2026, 12, 31, 23, 59))).toBe(at(2027, 1, 1, 23, 59));
    expect(backupName(at(2026, 3, 7, 2, 30))).toBe('idphotos-2026-03-07-0230');
  });
});
