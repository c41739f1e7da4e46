import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bigPhoto, connectSsh2, logs, startHarness, type Harness, type Ssh2Sftp } from './harness.ts';

// Open flags as WinSCP sends them (SSH_FXF_*), by number: ssh2's flag strings cannot say
// "WRITE without TRUNC and without APPEND", which is how WinSCP resumes.
const WRITE = 0x02;
const CREAT = 0x08;
const TRUNC = 0x10;

let h: Harness;
let watcher: Ssh2Sftp;

beforeAll(async () => {
  h = await startHarness();
  watcher = await connectSsh2(h);
});
afterAll(async () => {
  watcher?.end();
  await h?.stop();
});

const photos = () => h.app.ctx.folders.idphotos;

async function upload(c: Ssh2Sftp, path: string, bytes: Buffer, flags: number, from = 0, to = bytes.length): Promise<void> {
  const handle = await c.call<Buffer>('open', path, flags);
  for (let off = from; off < to; off += 32 * 1024) {
    const end = Math.min(off + 32 * 1024, to);
    await c.call('write', handle, bytes, off, end - off, off);
  }
  await c.call('close', handle);
}

/** What another session (another WinSCP window, the photo store's reader) sees right now. */
async function seen(name: string): Promise<Buffer | undefined> {
  try {
    const handle = await watcher.call<Buffer>('open', `/incoming/idphotos/${name}`, 'r');
    const size = (await watcher.call<{ size: number }>('fstat', handle)).size;
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) off += await watcher.call<number>('read', handle, buf, off, size - off, off);
    await watcher.call('close', handle);
    return buf;
  } catch {
    return undefined;
  }
}

describe('WinSCP upload sequence, replayed operation by operation', () => {
  it('.filepart, REMOVE, RENAME, SETSTAT: the old photo stays visible until the new one replaces it', async () => {
    const old = await bigPhoto(1, 120);
    const next = await bigPhoto(2, 130);
    const w = await connectSsh2(h);
    await upload(w, '/incoming/idphotos/S2001.jpg', old, WRITE | CREAT | TRUNC);
    expect((await seen('S2001.jpg'))?.equals(old)).toBe(true);

    await upload(w, '/incoming/idphotos/S2001.jpg.filepart', next, WRITE | CREAT | TRUNC);
    const names = (await w.call<Array<{ filename: string }>>('readdir', '/incoming/idphotos')).map((e) => e.filename);
    expect(names).toContain('S2001.jpg.filepart');
    expect((await seen('S2001.jpg'))?.equals(old)).toBe(true);

    await w.call('unlink', '/incoming/idphotos/S2001.jpg');
    // The removing session no longer sees it; everyone else still has the stored photo.
    await expect(w.call('stat', '/incoming/idphotos/S2001.jpg')).rejects.toThrow(/no such file/);
    expect((await seen('S2001.jpg'))?.equals(old)).toBe(true);
    expect(photos().stat('S2001.jpg')?.size).toBe(old.length);

    await w.call('rename', '/incoming/idphotos/S2001.jpg.filepart', '/incoming/idphotos/S2001.jpg');
    expect((await seen('S2001.jpg'))?.equals(next)).toBe(true);
    await w.call('setstat', '/incoming/idphotos/S2001.jpg', { atime: 1_500_000_000, mtime: 1_500_000_000 });
    expect(photos().stat('S2001.jpg')?.mtime).toBe(1_500_000_000);
    w.end();
    await w.closed;
    // The session ended with nothing pending: the new photo stays.
    expect(readFileSync(photos().contentPath('S2001.jpg')!).equals(next)).toBe(true);
  });

  it('when the replacing RENAME is refused, the removal it followed is dropped and the old photo stays', async () => {
    const old = await bigPhoto(8, 20);
    const w = await connectSsh2(h);
    await upload(w, '/incoming/idphotos/S2005.jpg', old, WRITE | CREAT | TRUNC);
    await upload(w, '/incoming/idphotos/S2005.jpg.filepart', Buffer.from('this is not a photo\n'.repeat(100)), WRITE | CREAT | TRUNC);
    await w.call('unlink', '/incoming/idphotos/S2005.jpg');
    const refusal = await w.call('rename', '/incoming/idphotos/S2005.jpg.filepart', '/incoming/idphotos/S2005.jpg').catch((e: Error) => e);
    expect(refusal).toBeInstanceOf(Error);
    expect(logs.some((l) => l.file === 'S2005.jpg' && l.outcome === 'refused' && l.reason === (refusal as Error).message)).toBe(true);
    expect((await w.call<{ size: number }>('stat', '/incoming/idphotos/S2005.jpg')).size).toBe(old.length);
    w.end();
    await w.closed;
    expect(readFileSync(photos().contentPath('S2005.jpg')!).equals(old)).toBe(true);
  });

  it('a REMOVE with no RENAME after it is carried out when the session ends', async () => {
    const w = await connectSsh2(h);
    await upload(w, '/incoming/idphotos/S2002.jpg', await bigPhoto(3, 20), WRITE | CREAT | TRUNC);
    await upload(w, '/incoming/idphotos/S2002.jpg.filepart', await bigPhoto(4, 20), WRITE | CREAT | TRUNC);
    await w.call('unlink', '/incoming/idphotos/S2002.jpg');
    expect(photos().stat('S2002.jpg')).toBeDefined();
    w.end();
    await w.closed;
    await expect.poll(() => photos().stat('S2002.jpg')).toBeUndefined();
  });

  it('resume: a dropped .filepart upload is reopened without TRUNC/APPEND and completed byte-exact', async () => {
    const bytes = await bigPhoto(5, 400);
    const first = await connectSsh2(h);
    const handle = await first.call<Buffer>('open', '/incoming/idphotos/S2003.jpg.filepart', WRITE | CREAT | TRUNC);
    const half = Math.floor(bytes.length / 2 / 32768) * 32768;
    expect(half).toBeGreaterThan(0);
    for (let off = 0; off < half; off += 32 * 1024) await first.call('write', handle, bytes, off, 32 * 1024, off);
    first.client.destroy(); // the network drops mid-transfer
    await first.closed;
    expect(photos().stat('S2003.jpg')).toBeUndefined();

    const second = await connectSsh2(h);
    const st = await second.call<{ size: number }>('stat', '/incoming/idphotos/S2003.jpg.filepart');
    expect(st.size).toBe(half);
    await upload(second, '/incoming/idphotos/S2003.jpg.filepart', bytes, WRITE, st.size);
    await second.call('rename', '/incoming/idphotos/S2003.jpg.filepart', '/incoming/idphotos/S2003.jpg');
    second.end();
    expect(readFileSync(photos().contentPath('S2003.jpg')!).equals(bytes)).toBe(true);
  });

  it('a connection dropped mid-upload to a final name commits nothing and keeps the previous photo', async () => {
    const old = await bigPhoto(6, 60);
    const w = await connectSsh2(h);
    await upload(w, '/incoming/idphotos/S2004.jpg', old, WRITE | CREAT | TRUNC);
    const next = await bigPhoto(7, 300);
    const handle = await w.call<Buffer>('open', '/incoming/idphotos/S2004.jpg', WRITE | CREAT | TRUNC);
    await w.call('write', handle, next, 0, 64 * 1024, 0);
    w.client.destroy();
    await w.closed;
    await expect.poll(() => logs.some((l) => l.file === 'S2004.jpg' && l.outcome === 'discarded')).toBe(true);
    expect(readFileSync(photos().contentPath('S2004.jpg')!).equals(old)).toBe(true);
    expect(readdirSync(join(h.app.ctx.config.data_dir, 'sftp', 'uploads'))).toEqual([]);
  });
});
