import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo, run, startHarness, tempDir, USER, type Harness } from '../sftp/harness.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness();
  local = tempDir('idphotos-reports-sessions-');
});
afterAll(async () => h?.stop());

describe('/reports/ with several SFTP sessions on one SSH connection', () => {
  it('lists and serves the session file of the second sftp session of a connection (OpenSSH connection sharing)', async () => {
    const control = join(local, 'ctl');
    const shared = [...h.sshOpts, '-o', 'ControlMaster=auto', '-o', `ControlPath=${control}`, '-o', 'ControlPersist=60'];
    const sftp = (commands: string[]) => run('sftp', [...shared, '-b', '-', `${USER}@127.0.0.1`], { input: `${commands.join('\n')}\n`, cwd: local });
    try {
      writeFileSync(join(local, 'S1.jpg'), await photo(1));
      writeFileSync(join(local, 'S2.jpg'), await photo(2));
      expect((await sftp(['put S1.jpg /incoming/idphotos/'])).code).toBe(0);
      // The second sftp rides the first one's connection: a second session channel.
      expect((await sftp(['put S2.jpg /incoming/idphotos/'])).code).toBe(0);
      const sessions = [...new Set(h.app.storage.uploadReports.recentSessions(10).map((s) => s.session))];
      expect(sessions).toHaveLength(2);
      expect(sessions.find((s) => /-\d+-2$/.test(s))).toBeDefined();

      const ls = await sftp(['ls -1 /reports']);
      const names = ls.stdout.split('\n').map((l) => l.trim().replace(/^\/reports\//, '')).filter((n) => n.startsWith('session-'));
      expect(names.sort()).toEqual(sessions.map((s) => `session-${s}.csv`).sort());
      const second = sessions.find((s) => /-\d+-2$/.test(s))!;
      const got = await sftp([`get /reports/session-${second}.csv`]);
      expect(got.code).toBe(0);
      expect(readFileSync(join(local, `session-${second}.csv`), 'utf8')).toContain('"S2.jpg"');
    } finally {
      await run('ssh', [...h.sshOpts.map((o) => (o === '-P' ? '-p' : o)), '-o', `ControlPath=${control}`, '-O', 'exit', `${USER}@127.0.0.1`]);
    }
  });
});

describe('/reports/ budget', () => {
  it('keeps at most the last 50,000 files received however many arrive (a flood of refused uploads)', async () => {
    // README's number: the last 50,000 files received.
    const MAX_UPLOAD_REPORTS = 50_000;
    const flood = MAX_UPLOAD_REPORTS + 1000;
    const day = '2026-02-02';
    h.app.storage.tx(() => {
      for (let i = 0; i < flood; i++) {
        h.app.storage.uploadReports.insertUploadReport({
          session: '20260202T080000Z-1', account: USER, received_at: `${day}T08:00:00.000Z`, day,
          folder: 'idphotos', file: `flood-${i}.txt`, bytes: 1, outcome: 'refused', reason: 'not a photo',
        });
      }
    });
    const kept = h.app.storage.uploadReports.recentDays(14).reduce((n, d) => n + d.files, 0);
    expect(kept).toBeLessThanOrEqual(MAX_UPLOAD_REPORTS + 100);
    expect(kept).toBeGreaterThanOrEqual(MAX_UPLOAD_REPORTS);
    // The newest are the ones kept; the listing and the day's file still read back.
    const ls = await run('sftp', [...h.sshOpts, '-b', '-', `${USER}@127.0.0.1`], { input: `get /reports/uploads-${day}.csv\n`, cwd: local });
    expect(ls.code).toBe(0);
    const csv = readFileSync(join(local, `uploads-${day}.csv`), 'utf8');
    expect(csv).toContain(`"flood-${flood - 1}.txt"`);
    expect(csv).not.toContain('"flood-0.txt"');
  });
});

describe('/reports/ is read-only for renames too', () => {
  it('refuses to move a report into an upload folder before anything is stored there', async () => {
    writeFileSync(join(local, 'S3.jpg'), await photo(3));
    const sftp = (commands: string[]) => run('sftp', [...h.sshOpts, '-b', '-', `${USER}@127.0.0.1`], { input: `${commands.join('\n')}\n`, cwd: local });
    expect((await sftp(['put S3.jpg /incoming/idphotos/'])).code).toBe(0);
    const session = h.app.storage.uploadReports.recentSessions(1)[0]!.session;
    const moved = await sftp([`-rename /reports/session-${session}.csv /incoming/data/students.csv`, `-rename /reports/session-${session}.csv /incoming/idphotos/S4.jpg`]);
    expect(moved.stderr).toMatch(/Failure|Permission denied/);
    const ls = await sftp(['ls -1 /incoming/data', 'ls -1 /incoming/idphotos']);
    expect(ls.stdout.split('\n').filter((l) => !l.startsWith('sftp>')).join('\n')).not.toMatch(/students\.csv|S4\.jpg/);
    await h.app.ctx.imports.idle();
    expect(h.app.ctx.roster.listImports()).toEqual([]);
    expect(h.app.ctx.photos.rejected()).toEqual([]);
    const text = JSON.stringify((await import('../sftp/harness.ts')).logs);
    expect(text).toContain('/reports/ is read-only');
  });
});

describe('/reports/ rendered once per change', () => {
  it('a listing and a get show a file uploaded since the last listing, with the size the file has', async () => {
    const sftp = (commands: string[]) => run('sftp', [...h.sshOpts, '-b', '-', `${USER}@127.0.0.1`], { input: `${commands.join('\n')}\n`, cwd: local });
    const { localDay, resolveTimezone } = await import('../../src/shared/time.ts');
    const day = localDay(new Date(), resolveTimezone(''));
    const sizeOf = (ls: string) => Number(ls.split('\n').find((l) => !l.startsWith('sftp>') && l.includes(`uploads-${day}.csv`))!.trim().split(/\s+/)[4]);
    const first = await sftp([`ls -l /reports/uploads-${day}.csv`, `get /reports/uploads-${day}.csv first.csv`]);
    expect(first.code).toBe(0);
    expect(sizeOf(first.stdout)).toBe(readFileSync(join(local, 'first.csv')).length);
    writeFileSync(join(local, 'S5.jpg'), await photo(5));
    expect((await sftp(['put S5.jpg /incoming/idphotos/'])).code).toBe(0);
    const second = await sftp([`ls -l /reports/uploads-${day}.csv`, `get /reports/uploads-${day}.csv second.csv`]);
    const text = readFileSync(join(local, 'second.csv'), 'utf8');
    expect(text).toContain('"S5.jpg"');
    expect(sizeOf(second.stdout)).toBe(Buffer.byteLength(text));
    expect(sizeOf(second.stdout)).toBeGreaterThan(sizeOf(first.stdout));
  });
});

describe('/reports/ import result files follow their import', () => {
  it('a held import\'s result file says held, and applied once an admin approves it', async () => {
    const sftp = (commands: string[]) => run('sftp', [...h.sshOpts, '-b', '-', `${USER}@127.0.0.1`], { input: `${commands.join('\n')}\n`, cwd: local });
    // A PowerSchool export: Enroll_Status 0 is enrolled, 2 transferred out.
    const people = (active: string) => `ID,Student_Number,First_Name,Last_Name,Grade_Level,SchoolID,Enroll_Status\r\n${Array.from({ length: 20 }, (_, i) => `${i},H${i},Ann${i},Lee${i},5,101,${i < 10 ? '0' : active}`).join('\r\n')}\r\n`;
    writeFileSync(join(local, 'students.csv'), people('0'));
    expect((await sftp(['put students.csv /incoming/data/'])).code).toBe(0);
    await h.app.ctx.imports.idle();
    // Half the students made inactive: held for an admin.
    writeFileSync(join(local, 'students.csv'), people('2'));
    expect((await sftp(['put students.csv /incoming/data/'])).code).toBe(0);
    await h.app.ctx.imports.idle();
    const held = h.app.ctx.roster.listImports({ limit: 1 })[0]!;
    expect(held, JSON.stringify({ ...held, errors: undefined })).toMatchObject({ status: 'held' });
    const name = `import-${held.id}-students.txt`;
    expect((await sftp([`get /reports/${name} before.txt`])).code).toBe(0);
    expect(readFileSync(join(local, 'before.txt'), 'utf8')).toContain(`import ${held.id} students.csv: held`);
    await h.app.ctx.roster.approve(held.id, 'web:admin');
    expect((await sftp([`get /reports/${name} after.txt`])).code).toBe(0);
    const after = readFileSync(join(local, 'after.txt'), 'utf8');
    expect(after).toContain(`import ${held.id} students.csv: applied`);
    expect(after).toContain('by web:admin');
  });
});
