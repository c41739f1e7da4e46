import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bigPhoto, logs, photo, sftpBatch, startHarness, tempDir, type Harness } from './harness.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness();
  local = tempDir();
});
afterAll(async () => {
  await h?.stop();
});

const stored = (name: string) => h.app.ctx.folders.idphotos.stat(name);
const storedBytes = (name: string) => readFileSync(h.app.ctx.folders.idphotos.contentPath(name)!);

describe('OpenSSH sftp', () => {
  it('put, ls -l, get and rm a photo', async () => {
    const bytes = await bigPhoto(1, 150);
    writeFileSync(join(local, 'S1001.jpg'), bytes);
    const r = await sftpBatch(h, ['cd /incoming/idphotos', 'put S1001.jpg', 'ls -l', 'get S1001.jpg S1001.back.jpg'], local);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`-rw-r--r-- +1 district +district +${bytes.length} .* S1001\\.jpg`));
    expect(readFileSync(join(local, 'S1001.back.jpg')).equals(bytes)).toBe(true);
    expect(storedBytes('S1001.jpg').equals(bytes)).toBe(true);

    const rm = await sftpBatch(h, ['rm /incoming/idphotos/S1001.jpg', 'ls /incoming/idphotos']);
    expect(rm.code).toBe(0);
    expect(rm.stdout.split('\n').filter((l) => !l.startsWith('sftp>')).join('\n')).not.toContain('S1001.jpg');
    expect(stored('S1001.jpg')).toBeUndefined();
  });

  it('put -p keeps the mtime, so a later sync compares equal', async () => {
    writeFileSync(join(local, 'S1002.jpg'), await photo(2));
    utimesSync(join(local, 'S1002.jpg'), 1_600_000_000, 1_600_000_000);
    const r = await sftpBatch(h, ['put -p S1002.jpg /incoming/idphotos/'], local);
    expect(r.code).toBe(0);
    expect(stored('S1002.jpg')?.mtime).toBe(1_600_000_000);
  });

  it('put -f (fsync@openssh.com) and df (statvfs@openssh.com)', async () => {
    writeFileSync(join(local, 'S1003.png'), await photo(3, 64, 'png'));
    const r = await sftpBatch(h, ['put -f S1003.png /incoming/idphotos/', 'df -h /incoming/idphotos'], local);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Size\s+Used\s+Avail/);
    expect(stored('S1003.png')).toBeDefined();
  });

  it('put -f to a temporary name: the fsync is answered, and the rename commits the bytes', async () => {
    const bytes = await bigPhoto(6, 120);
    writeFileSync(join(local, 'S1006.jpg'), bytes);
    const r = await sftpBatch(h, ['cd /incoming/idphotos', 'put -f S1006.jpg S1006.jpg.filepart', 'rename S1006.jpg.filepart S1006.jpg'], local);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(storedBytes('S1006.jpg').equals(bytes)).toBe(true);
  });

  it('put -r uploads the files of a folder; its subfolders are refused with a reason', async () => {
    const dir = join(local, 'batch');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'B1.jpg'), await photo(11));
    writeFileSync(join(dir, 'B2.gif'), await photo(12, 32, 'gif'));
    writeFileSync(join(dir, 'sub', 'B3.jpg'), await photo(13));
    const r = await sftpBatch(h, ['cd /incoming/idphotos', '-put -r .'], dir);
    expect(stored('B1.jpg')).toBeDefined();
    expect(stored('B2.gif')).toBeDefined();
    expect(stored('B3.jpg')).toBeUndefined();
    expect(r.stderr).not.toBe('');
    expect(logs.some((l) => l.op === 'mkdir' && String(l.reason).startsWith('subfolders cannot be created in /incoming/idphotos/'))).toBe(true);
  });

  it('mkdir in idphotos/ is refused', async () => {
    const r = await sftpBatch(h, ['mkdir /incoming/idphotos/newdir']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
  });

  it('reput completes a partial temp upload with exactly the right bytes, then rename commits it', async () => {
    const full = await bigPhoto(4, 300);
    writeFileSync(join(local, 'S1004.full'), full);
    writeFileSync(join(local, 'S1004.half'), full.subarray(0, 100_000));
    const r = await sftpBatch(
      h,
      ['cd /incoming/idphotos', 'put S1004.half S1004.jpg.filepart', 'ls', 'reput S1004.full S1004.jpg.filepart', 'rename S1004.jpg.filepart S1004.jpg'],
      local,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('S1004.jpg.filepart');
    expect(storedBytes('S1004.jpg').equals(full)).toBe(true);
  });

  it('reput onto a stored roster file appends the rest', async () => {
    const csv = Buffer.from(['local_id,first_name,last_name', ...Array.from({ length: 2000 }, (_, i) => `S${i},First${i},Last${i}`)].join('\n') + '\n');
    writeFileSync(join(local, 'students.full.csv'), csv);
    writeFileSync(join(local, 'students.half.csv'), csv.subarray(0, 10_000));
    const r = await sftpBatch(h, ['cd /incoming/data', 'put students.half.csv students.csv', 'reput students.full.csv students.csv'], local);
    expect(r.stderr).toBe('');
    expect(readFileSync(h.app.ctx.folders.data.contentPath('students.csv')!).equals(csv)).toBe(true);
  });

  it('a 12 MB file goes up and comes back byte-exact (large pipelined READs, flow control)', async () => {
    const rows = ['local_id,first_name,last_name'];
    for (let i = 0; rows.length < 500_000; i++) rows.push(`T${i},First${i % 977},Last${(i * 7) % 1013}`);
    const csv = Buffer.from(rows.join('\n') + '\n');
    expect(csv.length).toBeGreaterThan(12_000_000);
    writeFileSync(join(local, 'big.csv'), csv);
    // A temporary name stays in the uploading account's staging area, which it may read back.
    const r = await sftpBatch(h, ['cd /incoming/data', 'put big.csv big.csv.part', 'get big.csv.part big.back.csv', 'rm big.csv.part'], local);
    expect(r.stderr).toBe('');
    expect(readFileSync(join(local, 'big.back.csv')).equals(csv)).toBe(true);
  });

  it('lists committed data files but never sends them back: they hold student records and staff passwords', async () => {
    writeFileSync(join(local, 'staff.csv'), 'Staff ID,First Name,Last Name,Username,Password\nT1,Ana,Lee,alee,Secr3t!\n');
    const r = await sftpBatch(h, ['cd /incoming/data', 'put staff.csv', 'ls -l', '-get staff.csv staff.leak.csv'], local);
    expect(r.stdout).toMatch(/staff\.csv/);
    expect(r.stderr).toMatch(/staff\.csv.*(Permission denied|Failure)/i);
    expect(existsSync(join(local, 'staff.leak.csv'))).toBe(false);
    expect(logs.some((l) => /can be uploaded but not downloaded/.test(String(l.reason)))).toBe(true);
  });

  it('rename onto an existing name replaces it (OpenSSH uses posix-rename)', async () => {
    writeFileSync(join(local, 'S1005.jpg'), await photo(5));
    writeFileSync(join(local, 'S1006.jpg'), await photo(6));
    const r = await sftpBatch(h, ['cd /incoming/idphotos', 'put S1005.jpg', 'put S1006.jpg', 'rename S1006.jpg S1005.jpg'], local);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(stored('S1006.jpg')).toBeUndefined();
    expect(storedBytes('S1005.jpg').equals(readFileSync(join(local, 'S1006.jpg')))).toBe(true);
  });

  it('a wrong extension is refused at open, and the refusal is logged with its reason', async () => {
    writeFileSync(join(local, 'notes.txt'), 'hello');
    const r = await sftpBatch(h, ['put notes.txt /incoming/idphotos/notes.txt'], local);
    expect(r.code).not.toBe(0);
    // The folder's own words name what is allowed; the SFTP layer passes them on and logs them.
    expect(logs.some((l) => l.file === 'notes.txt' && l.outcome === 'refused' && /"notes\.txt".*\.jpg.*\.gif/.test(String(l.reason)))).toBe(true);
    // …and kept where the admin looks for refused photos.
    expect(h.app.ctx.photos.rejected()[0]).toMatchObject({ file_name: 'notes.txt', account: 'district' });
  });

  it('the tree is fixed: / holds incoming/ (which holds idphotos/ and data/) and the read-only reports/', async () => {
    const r = await sftpBatch(h, ['pwd', 'ls /', 'ls /incoming', 'cd ../../..', 'pwd', '-cd /etc', '-get /etc/passwd']);
    expect(r.stdout).toContain('Remote working directory: /');
    expect(r.stdout).toMatch(/ls \/\n\/incoming\s+\/reports\s*\n/);
    expect(r.stdout).toMatch(/ls \/incoming\n\/incoming\/data\s+\/incoming\/idphotos\s*\n/);
    expect(r.stderr).toMatch(/No such file/);
  });
});
