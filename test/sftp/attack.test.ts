import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { connectSsh2, logs, PASSWORD, photo, startHarness, USER, type Harness, type Ssh2Sftp } from './harness.ts';

// Regression tests for the outside attack of issue 12 on the SFTP endpoint (docs/SECURITY.md,
// "Outside attack"): each drives the real server with ssh2's real SFTP client.

const STUDENTS = 'Local ID,First Name,Last Name,Middle Name,Grade,Building,Email,Username\nS1,Secret,Student,,05,North,s1@example.org,SECRET-PASSWORD-123\n';
const F = { READ: 1, WRITE: 2, APPEND: 4, CREAT: 8, TRUNC: 16, EXCL: 32 } as const;

let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    '',
    `max_open_handles_per_account = 80
max_staged_bytes_per_account = 300000
max_staged_files_per_account = 100
max_photo_bytes = 250000`,
  );
  const c = await connectSsh2(h);
  await put(c, '/incoming/data/students.csv', Buffer.from(STUDENTS));
  c.end();
});
afterAll(async () => {
  await h?.stop();
});

async function put(c: Ssh2Sftp, path: string, bytes: Buffer): Promise<void> {
  const handle = await c.call<Buffer>('open', path, 'w');
  await c.call('write', handle, bytes, 0, bytes.length, 0);
  await c.call('close', handle);
}

async function readAt(c: Ssh2Sftp, handle: Buffer, pos: number, len = 4096): Promise<Buffer | Error> {
  const buf = Buffer.alloc(len);
  try {
    const n = await c.call<number>('read', handle, buf, 0, len, pos);
    return buf.subarray(0, n);
  } catch (err) {
    return err as Error;
  }
}

describe('finding 1: no handle returns bytes of a stored data file', () => {
  it('every open-flag combination: a read returns nothing of students.csv, only what this handle wrote; refusals are logged', async () => {
    const c = await connectSsh2(h);
    const returned: Buffer[] = [];
    let opened = 0;
    let refusedReads = 0;
    const before = logs.filter((l) => l.msg === 'read refused' && l.file === 'students.csv').length;
    try {
      for (let flags = 0; flags < 64; flags++) {
        let handle: Buffer;
        try {
          handle = await c.call<Buffer>('open', '/incoming/data/students.csv', flags);
        } catch {
          continue; // refused at OPEN: nothing read
        }
        opened++;
        // Read before and after this handle writes one byte (which makes the upload start from
        // the stored bytes); the handle stays open and is dropped with the connection, so the
        // stored file never changes.
        for (const r of [await readAt(c, handle, 0), await readAt(c, handle, 60)]) {
          if (r instanceof Error) refusedReads++;
          else returned.push(r);
        }
        try {
          await c.call('write', handle, Buffer.from('Z'), 0, 1, 5);
        } catch {
          // a read-only handle
        }
        for (const r of [await readAt(c, handle, 0), await readAt(c, handle, 60)]) {
          if (r instanceof Error) refusedReads++;
          else returned.push(r);
        }
      }
    } finally {
      c.end();
      await c.closed;
    }
    expect(opened).toBeGreaterThan(0);
    const all = Buffer.concat(returned);
    expect(all.toString('latin1')).not.toContain('SECRET');
    // Whatever came back is this handle's own byte or the zeros before it.
    expect([...all].every((b) => b === 0 || b === 'Z'.charCodeAt(0))).toBe(true);
    expect(refusedReads).toBeGreaterThan(0);
    await vi.waitFor(() => expect(logs.filter((l) => l.msg === 'read refused' && l.file === 'students.csv').length - before).toBeGreaterThanOrEqual(refusedReads));
    // The stored file is as uploaded: every handle above was dropped, none committed.
    expect(readFileSync(h.app.ctx.folders.data.contentPath('students.csv')!, 'utf8')).toBe(STUDENTS);
  });

  it('a stored data file cannot be moved to a folder that is read back', async () => {
    const c = await connectSsh2(h);
    try {
      await expect(c.call('rename', '/incoming/data/students.csv', '/incoming/idphotos/S1.jpg')).rejects.toThrow(/cannot be moved out of \/incoming\/data\//);
      await expect(c.call('ext_openssh_rename', '/incoming/data/students.csv', '/incoming/idphotos/S2.jpg')).rejects.toThrow(/cannot be moved out/);
    } finally {
      c.end();
    }
    expect(h.app.ctx.folders.data.stat('students.csv')).toBeDefined();
  });
});

describe('finding 3: a deferred removal removes only the version it was asked to remove', () => {
  it('session A removes S010.jpg while holding S010.jpg.filepart; session B uploads a new S010.jpg; A leaving keeps B’s photo', async () => {
    const a = await connectSsh2(h);
    const b = await connectSsh2(h);
    try {
      await put(a, '/incoming/idphotos/S010.jpg', await photo(10));
      // A leftover temporary upload makes A's removal wait for a rename (the WinSCP flow).
      await put(a, '/incoming/idphotos/S010.jpg.filepart', (await photo(11)).subarray(0, 100));
      await a.call('unlink', '/incoming/idphotos/S010.jpg');
      const newer = await photo(12);
      await put(b, '/incoming/idphotos/S010.jpg', newer);
      a.end();
      await a.closed;
      await vi.waitFor(() => expect(logs.some((l) => l.msg === 'pending removal not carried out' && l.file === 'S010.jpg')).toBe(true));
      expect(h.app.ctx.folders.idphotos.stat('S010.jpg')?.size).toBe(newer.length);
      expect(readFileSync(h.app.ctx.folders.idphotos.contentPath('S010.jpg')!)).toEqual(newer);
    } finally {
      a.end();
      b.end();
    }
  });

  // The same photo uploaded again (a sync tool putting back what it still has) is the same stored
  // version: the removal A saw must still not take the upload B was told OK for.
  it('session B uploads the same bytes again after A’s deferred removal; A leaving keeps B’s upload', async () => {
    const a = await connectSsh2(h);
    const b = await connectSsh2(h);
    try {
      const same = await photo(14);
      await put(a, '/incoming/idphotos/S012.jpg', same);
      await put(a, '/incoming/idphotos/S012.jpg.filepart', Buffer.from('partial'));
      await a.call('unlink', '/incoming/idphotos/S012.jpg');
      await put(b, '/incoming/idphotos/S012.jpg', same);
      a.end();
      await a.closed;
      await vi.waitFor(() => expect(logs.some((l) => l.msg === 'pending removal not carried out' && l.file === 'S012.jpg')).toBe(true));
      expect(readFileSync(h.app.ctx.folders.idphotos.contentPath('S012.jpg')!)).toEqual(same);
    } finally {
      a.end();
      b.end();
    }
  });

  it('without a newer upload, the deferred removal still happens when the session ends', async () => {
    const a = await connectSsh2(h);
    await put(a, '/incoming/idphotos/S011.jpg', await photo(13));
    await put(a, '/incoming/idphotos/S011.jpg.filepart', Buffer.from('partial'));
    await a.call('unlink', '/incoming/idphotos/S011.jpg');
    expect(h.app.ctx.folders.idphotos.stat('S011.jpg')).toBeDefined();
    a.end();
    await a.closed;
    await vi.waitFor(() => expect(h.app.ctx.folders.idphotos.stat('S011.jpg')).toBeUndefined());
  });
});

describe('finding 4 and 5: handle and staged-byte budgets', () => {
  it('max_open_handles_per_account counts every session of the account; the next OPEN is refused plainly, and works once one closes', async () => {
    const c1 = await connectSsh2(h);
    const c2 = await connectSsh2(h);
    const held: Array<[Ssh2Sftp, Buffer]> = [];
    const refusals: string[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        for (const c of [c1, c2]) {
          try {
            held.push([c, await c.call<Buffer>('opendir', '/incoming/idphotos')]);
          } catch (err) {
            refusals.push((err as Error).message);
          }
        }
      }
      expect(held.length).toBe(80);
      expect(refusals.length).toBe(20);
      expect(refusals[0]).toMatch(/district has 80 files open over all its sessions \(limit 80, sftp.max_open_handles_per_account\); close some and try again/);
      const [c, handle] = held.pop()!;
      await c.call('close', handle);
      held.push([c2, await c2.call<Buffer>('open', '/incoming/idphotos/S010.jpg', 'r')]);
    } finally {
      c1.end();
      c2.end();
    }
    expect(logs.some((l) => l.msg === 'request refused' && /max_open_handles_per_account/.test(String(l.reason)))).toBe(true);
  });

  it('max_staged_bytes_per_account: a .filepart growing past it is refused and dropped; removing staged files makes room', async () => {
    const c = await connectSsh2(h);
    try {
      await put(c, '/incoming/idphotos/S020.jpg.filepart', Buffer.alloc(200_000, 1));
      const err = await put(c, '/incoming/idphotos/S021.jpg.filepart', Buffer.alloc(150_000, 2)).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/district holds 0.2 MiB in unfinished uploads and temporary files \(limit 0.3 MiB, sftp.max_staged_bytes_per_account\)/);
      const names = (await c.call<Array<{ filename: string }>>('readdir', '/incoming/idphotos')).map((e) => e.filename);
      expect(names).toContain('S020.jpg.filepart');
      expect(names).not.toContain('S021.jpg.filepart');
      await c.call('unlink', '/incoming/idphotos/S020.jpg.filepart');
      await put(c, '/incoming/idphotos/S021.jpg.filepart', Buffer.alloc(150_000, 2));
      await c.call('unlink', '/incoming/idphotos/S021.jpg.filepart');
    } finally {
      c.end();
    }
  });

  it('max_staged_files_per_account: empty .filepart files cannot pile up; removing some makes room', async () => {
    const c = await connectSsh2(h);
    try {
      const made: string[] = [];
      const refusals: string[] = [];
      for (let i = 0; i < 110; i++) {
        const path = `/incoming/idphotos/S03${String(i).padStart(3, '0')}.jpg.filepart`;
        try {
          await c.call('close', await c.call<Buffer>('open', path, 'w'));
          made.push(path);
        } catch (err) {
          refusals.push((err as Error).message);
        }
      }
      expect(made.length).toBeGreaterThan(0);
      expect(made.length).toBeLessThanOrEqual(100);
      expect(refusals.length).toBe(110 - made.length);
      expect(refusals[0]).toMatch(/district has 100 unfinished uploads and temporary files \(limit 100, sftp.max_staged_files_per_account\)/);
      const names = (await c.call<Array<{ filename: string }>>('readdir', '/incoming/idphotos')).map((e) => e.filename);
      expect(names.filter((n) => n.startsWith('S03')).length).toBe(made.length);
      for (const path of made) await c.call('unlink', path);
      await c.call('close', await c.call<Buffer>('open', '/incoming/idphotos/S03999.jpg.filepart', 'w'));
      await c.call('unlink', '/incoming/idphotos/S03999.jpg.filepart');
    } finally {
      c.end();
    }
  });

  it('opening a stored file read+write without truncation copies nothing until the client writes', async () => {
    const c = await connectSsh2(h);
    const uploads = join(h.dir, 'data', 'sftp', 'uploads');
    const bytesIn = () => readdirSync(uploads).reduce((t, f) => t + statSync(join(uploads, f)).size, 0);
    const before = bytesIn();
    try {
      const stored = h.app.ctx.folders.idphotos.stat('S010.jpg')!;
      const handles: Buffer[] = [];
      for (let i = 0; i < 15; i++) handles.push(await c.call<Buffer>('open', '/incoming/idphotos/S010.jpg', F.READ | F.WRITE));
      expect(bytesIn() - before).toBe(0);
      // A photo is read back as stored, before any write.
      const head = await readAt(c, handles[0]!, 0, 16);
      expect(head).toEqual(readFileSync(h.app.ctx.folders.idphotos.contentPath('S010.jpg')!).subarray(0, 16));
      for (const handle of handles) await c.call('close', handle);
      expect(h.app.ctx.folders.idphotos.stat('S010.jpg')?.size).toBe(stored.size);
    } finally {
      c.end();
    }
  });
});

describe('finding 4: one account cannot hold the handles every account shares', () => {
  it('district opens handles until refused; vendor still opens files, and the overall limit names itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-budget-'));
    const toml = await applianceToml({
      dataDir: 'data',
      sftpToml: 'max_open_handles_per_account = 30\nmax_open_handles = 40',
      sftpAccounts: [
        { username: USER, password: PASSWORD },
        { username: 'vendor', password: PASSWORD },
      ],
    });
    const app = await createApp(parseConfig(toml, '', dir));
    const { sftpPort: port } = await app.start();
    const opened = async (c: Ssh2Sftp, n: number) => {
      const refusals: string[] = [];
      let ok = 0;
      for (let i = 0; i < n; i++) {
        try {
          await c.call('opendir', '/incoming/idphotos');
          ok++;
        } catch (err) {
          refusals.push((err as Error).message);
        }
      }
      return { ok, refusals };
    };
    const district = await connectSsh2({ port });
    const vendor = await connectSsh2({ port }, { username: 'vendor' });
    try {
      const d = await opened(district, 35);
      expect(d.ok).toBe(30);
      expect(d.refusals[0]).toMatch(/district has 30 files open over all its sessions \(limit 30, sftp.max_open_handles_per_account\)/);
      const v = await opened(vendor, 15);
      expect(v.ok).toBe(10);
      expect(v.refusals[0]).toMatch(/the appliance has 40 SFTP files open \(limit 40, sftp.max_open_handles\); try again shortly/);
      // district's connection ends: its handles are given back, vendor opens again.
      district.end();
      await district.closed;
      await vi.waitFor(async () => expect((await opened(vendor, 1)).ok).toBe(1));
    } finally {
      district.end();
      vendor.end();
      await app.stop(1000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
