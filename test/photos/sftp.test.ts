import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh2, logs, sftpBatch, startHarness, type Harness, type Ssh2Sftp } from '../sftp/harness.ts';
import { BLUE, GREEN, RED, centreColour, closeTo, insertUser, jpeg } from './helpers.ts';
import { databaseOf } from '../../src/storage/index.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Photos through real SFTP clients (OpenSSH sftp, ssh2's client) into the real appliance. */
describe('photos over SFTP', () => {
  let h: Harness;
  let local: string;
  /** Uploads are acknowledged once durable; the photo shows once its sizes are rendered. */
  const shown = async (id: string, bytes: Buffer) => {
    while (h.app.ctx.photos.photo(id)?.source_sha256 !== sha256(bytes)) await new Promise((r) => setTimeout(r, 2));
  };
  const put = (name: string, bytes: Buffer, flags = '') => {
    writeFileSync(join(local, name), bytes);
    return sftpBatch(h, [`put ${flags} ${name} /incoming/idphotos/${name}`.replace(/ +/g, ' ')], local);
  };

  beforeAll(async () => {
    h = await startHarness('[log]\nlevel = "info"\n[roster]\nquiet_seconds = 0');
    local = join(h.dir, 'local');
    mkdirSync(local);
    for (const id of ['S12345', 'S1', 'S2', 'S3']) insertUser(databaseOf(h.app.storage), id);
  });
  afterAll(() => h.stop());

  it('is listed at CLOSE and shown once rendered: rotated, metadata-free; listing and download give the bytes as uploaded', async () => {
    const bytes = await sharp(await jpeg(300, 200, RED)).jpeg().withMetadata({ orientation: 6 }).withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 26/1 4600/100' } }).toBuffer();
    writeFileSync(join(local, 'S12345.jpg'), bytes);
    utimesSync(join(local, 'S12345.jpg'), 1_500_000_000, 1_500_000_000);
    const res = await sftpBatch(h, ['put -p S12345.jpg /incoming/idphotos/S12345.jpg'], local);
    expect(res.code, res.stderr).toBe(0);
    expect(h.app.ctx.photos.folder.stat('S12345.jpg')).toEqual({ name: 'S12345.jpg', size: bytes.length, mtime: 1_500_000_000, version: expect.any(String) });
    await shown('S12345', bytes);
    expect(h.app.ctx.photos.photo('S12345')).toMatchObject({ source_sha256: sha256(bytes), width: 200, height: 300 });
    const full = await h.app.ctx.photos.display('S12345', 'full').read();
    const meta = await sharp(full).metadata();
    expect([meta.width, meta.height, meta.exif, meta.orientation]).toEqual([200, 300, undefined, undefined]);

    const ls = await sftpBatch(h, ['ls -l /incoming/idphotos']);
    expect(ls.stdout).toMatch(new RegExp(`\\s${bytes.length}\\s.*2017\\s+S12345\\.jpg`));
    const got = await sftpBatch(h, ['get /incoming/idphotos/S12345.jpg back.jpg'], local);
    expect(got.code, got.stderr).toBe(0);
    expect(readFileSync(join(local, 'back.jpg')).equals(bytes)).toBe(true);
  });

  it('refuses a text file named .jpg and a truncated JPEG with the reason, and keeps the current photo', async () => {
    const good = await jpeg(120, 160, GREEN);
    expect((await put('S2.jpg', good)).code).toBe(0);
    await shown('S2', good);

    // OpenSSH's sftp prints only "Failure" for a refused CLOSE; the reason travels in the status
    // message, which clients that show it (ssh2, WinSCP, FileZilla) display.
    const text = await put('S2.jpg', Buffer.from('Student_Number,First_Name\nS2,Ana\n'));
    expect(text.code).not.toBe(0);
    expect(text.stderr).toMatch(/close remote: Failure/);
    const whole = await jpeg(120, 160, BLUE);
    const c = await connectSsh2(h);
    try {
      const bytes = whole.subarray(0, Math.floor(whole.length / 2));
      const handle = await c.call<Buffer>('open', '/incoming/idphotos/S2.jpg', 'w');
      await c.call('write', handle, bytes, 0, bytes.length, 0);
      await expect(c.call('close', handle)).rejects.toThrow(/^truncated JPEG: the file ends before the image does; upload it again$/);
    } finally {
      c.end();
    }

    expect(h.app.ctx.photos.photo('S2')).toMatchObject({ source_sha256: sha256(good), versions: 1 });
    expect(closeTo(await centreColour(await h.app.ctx.photos.display('S2', 'profile').read()), GREEN)).toBe(true);
    const [latest, previous] = h.app.ctx.photos.rejected();
    expect(latest).toMatchObject({ file_name: 'S2.jpg', account: 'district', origin: 'sftp', remote_address: '127.0.0.1' });
    expect(latest.reason).toMatch(/^truncated JPEG/);
    expect(previous.reason).toBe('the file is not an image (it starts with text)');
    expect(logs.some((l) => l.msg === 'photo refused' && l.reason === previous.reason && l.account === 'district')).toBe(true);
  });

  it('keeps names refused at OPEN in the admin list too, with the reason the client got', async () => {
    const c = await connectSsh2(h);
    try {
      await expect(c.call('open', '/incoming/idphotos/S7.heic', 'w')).rejects.toThrow(/\.jpg/);
    } finally {
      c.end();
    }
    const [latest] = h.app.ctx.photos.rejected();
    expect(latest).toMatchObject({ file_name: 'S7.heic', account: 'district', origin: 'sftp', bytes: 0 });
    expect(latest.reason).toMatch(/\.jpg/);
  });

  it('a corrupt JPEG acknowledged at CLOSE is refused once decoded: listed again as before, reason for the admin', async () => {
    const good = await jpeg(90, 120, GREEN);
    expect((await put('S5.jpg', good)).code).toBe(0);
    insertUser(databaseOf(h.app.storage), 'S5');
    await shown('S5', good);
    const noise = Buffer.alloc(400 * 500 * 3).map((_, i) => (i * 7) % 251);
    const corrupt = await sharp(noise, { raw: { width: 400, height: 500, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    corrupt.fill(0xff, corrupt.indexOf(Buffer.from([0xff, 0xda])) + 40, corrupt.length - 200);
    const before = h.app.ctx.photos.rejected().length;
    // The upload may be acknowledged (a worker was free) or refused at CLOSE: either way it is refused.
    await put('S5.jpg', corrupt);
    while (h.app.ctx.photos.rejected().length === before) await new Promise((r) => setTimeout(r, 2));
    expect(h.app.ctx.photos.rejected()[0]).toMatchObject({ file_name: 'S5.jpg', account: 'district' });
    expect(h.app.ctx.photos.rejected()[0].reason).toMatch(/^the JPEG is damaged and cannot be decoded/);
    expect(h.app.ctx.photos.photo('S5')).toMatchObject({ source_sha256: sha256(good), versions: 1 });
    expect(h.app.ctx.photos.folder.stat('S5.jpg')).toMatchObject({ size: good.length });
  });

  it('a photo removed right after its upload is not the current photo afterwards', async () => {
    insertUser(databaseOf(h.app.storage), 'S6');
    const bytes = await jpeg(700, 900, BLUE);
    writeFileSync(join(local, 'S6.jpg'), bytes);
    const again = await sftpBatch(h, ['put S6.jpg /incoming/idphotos/S6.jpg', 'rm /incoming/idphotos/S6.jpg'], local);
    expect(again.code, again.stderr).toBe(0);
    while (h.app.ctx.photos.history('S6').length === 0) await new Promise((r) => setTimeout(r, 2));
    expect(h.app.ctx.photos.photo('S6')).toBeNull();
    expect(h.app.ctx.photos.folder.stat('S6.jpg')).toBeUndefined();
  });

  it('keeps a wrongly cased name unmatched with a hint, and links a photo when its user arrives', async () => {
    const lower = await jpeg(50, 60);
    const s4 = await jpeg(50, 61);
    expect((await put('s12345.jpg', lower)).code).toBe(0);
    expect((await put('S4.jpg', s4)).code).toBe(0);
    await shown('s12345', lower);
    await shown('S4', s4);
    const unmatched = h.app.ctx.photos.unmatched();
    expect(unmatched.find((u) => u.file_name === 's12345.jpg')?.hints.map((x) => x.local_id)).toEqual(['S12345']);
    expect(unmatched.map((u) => u.local_id)).toContain('S4');
    insertUser(databaseOf(h.app.storage), 'S4');
    expect(h.app.ctx.photos.unmatched().map((u) => u.local_id)).not.toContain('S4');
    expect(h.app.ctx.photos.user('S4').photo).not.toBeNull();
  });

  it('photos uploaded before the roster are linked by the roster import itself, with no re-upload', async () => {
    const early = await jpeg(70, 90, GREEN);
    expect((await put('R1001.jpg', early)).code).toBe(0);
    await shown('R1001', early);
    expect(h.app.ctx.photos.unmatched().map((u) => u.local_id)).toContain('R1001');
    writeFileSync(join(local, 'students.csv'), 'Local ID,First Name,Last Name,Grade,Building\r\nR1001,Zoë,Nguyễn,05,Lincoln Elementary\r\n');
    const csv = await sftpBatch(h, ['put students.csv /incoming/data/students.csv'], local);
    expect(csv.code, csv.stderr).toBe(0);
    while (h.app.ctx.photos.unmatched().some((u) => u.local_id === 'R1001')) await new Promise((r) => setTimeout(r, 10));
    expect(h.app.ctx.photos.user('R1001')).toMatchObject({ first_name: 'Zoë', last_name: 'Nguyễn', photo: { source_sha256: sha256(early), versions: 1 } });
  });

  it('the same name uploaded by two sessions at once: the upload closed last wins', async () => {
    const a = await connectSsh2(h);
    const b = await connectSsh2(h);
    try {
      const first = await jpeg(2000, 2600, RED, { quality: 95 });
      const second = await jpeg(100, 130, BLUE);
      const open = (c: Ssh2Sftp) => c.call<Buffer>('open', '/incoming/idphotos/S3.jpg', 'w');
      const write = (c: Ssh2Sftp, handle: Buffer, bytes: Buffer) => c.call('write', handle, bytes, 0, bytes.length, 0);
      const [ha, hb] = await Promise.all([open(a), open(b)]);
      await Promise.all([write(a, ha, first), write(b, hb, second)]);
      // a closes first (its large image renders longer); b closes once a's commit has begun
      // (its row exists), so b is the one committed last even though a finishes last.
      const closing = a.call('close', ha);
      while (!databaseOf(h.app.storage).get('SELECT 1 AS x FROM photo_versions WHERE source_sha256 = ?', sha256(first))) await new Promise((r) => setImmediate(r));
      await b.call('close', hb);
      await closing;
      await shown('S3', second);
      // a's large image finishes rendering after b's: it must stay in the history.
      while (h.app.ctx.photos.history('S3').length < 2) await new Promise((r) => setTimeout(r, 2));
      expect(h.app.ctx.photos.photo('S3')).toMatchObject({ source_sha256: sha256(second), versions: 2 });
      const read = await sftpBatch(h, ['get /incoming/idphotos/S3.jpg s3.jpg'], local);
      expect(read.code).toBe(0);
      expect(readFileSync(join(local, 's3.jpg')).equals(second)).toBe(true);
    } finally {
      a.end();
      b.end();
    }
  });

  it('S1.jpg then S1.png: the later is current; removing it falls back to the other file; history stays', async () => {
    const jpg = await jpeg(80, 100, RED);
    const pngBytes = await sharp(await jpeg(80, 100, GREEN)).png().toBuffer();
    expect((await put('S1.jpg', jpg)).code).toBe(0);
    expect((await put('S1.png', pngBytes)).code).toBe(0);
    await shown('S1', pngBytes);
    while (h.app.ctx.photos.history('S1').length < 2) await new Promise((r) => setTimeout(r, 2));
    expect(h.app.ctx.photos.photo('S1')).toMatchObject({ source_sha256: sha256(pngBytes), versions: 2 });
    expect((await sftpBatch(h, ['rm /incoming/idphotos/S1.png'])).code).toBe(0);
    expect(h.app.ctx.photos.photo('S1')).toMatchObject({ source_sha256: sha256(jpg), versions: 2 });
    expect((await sftpBatch(h, ['rm /incoming/idphotos/S1.jpg'])).code).toBe(0);
    expect(h.app.ctx.photos.photo('S1')).toBeNull();
    expect(h.app.ctx.photos.display('S1', 'thumb').placeholder).toBe(true);
    expect(h.app.ctx.photos.history('S1').map((v) => v.file_name)).toEqual(['S1.png', 'S1.jpg']);
  });
});
