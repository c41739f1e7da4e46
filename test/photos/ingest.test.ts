import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/shared/errors.ts';
import { BLUE, GREEN, RED, animatedGif, centreColour, closeTo, createRig, jpeg, png, regionColour, type PhotoRig } from './helpers.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function display(rig: PhotoRig, localId: string, size: 'thumb' | 'profile' | 'full' = 'full') {
  const image = rig.photos.display(localId, size);
  return { image, bytes: await image.read() };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isAppError(err)) return err.message;
    throw err;
  }
  throw new Error('expected the upload to be refused');
}

describe('photo ingest', () => {
  let rig: PhotoRig;
  beforeEach(() => {
    rig = createRig();
  });
  afterEach(() => rig.close());

  it('applies EXIF orientation, strips every piece of metadata, keeps the uploaded bytes', async () => {
    rig.addUser('S12345');
    const source = await sharp(await jpeg(300, 200, RED))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD0: { Make: 'PhoneCam', Software: 'test' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 26/1 4600/100' } })
      .toBuffer();
    const sourceMeta = await sharp(source).metadata();
    expect(sourceMeta.orientation).toBe(6);
    expect(sourceMeta.exif?.length).toBeGreaterThan(100);

    const result = await rig.upload('S12345.jpg', source);
    expect(result).toMatchObject({ localId: 'S12345', current: true, matched: true, sha256: sha256(source) });

    for (const [size, long] of [['thumb', 96], ['profile', 240], ['full', 300]] as const) {
      const { bytes } = await display(rig, 'S12345', size);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('jpeg');
      // 300×200 turned by orientation 6 is 200×300, and no larger than the upload.
      expect(meta.height).toBe(long);
      expect(meta.width).toBe(Math.round((long * 2) / 3));
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
    }
    // The black band was at the top of the sensor image; rotated 90° clockwise it is on the right.
    const { bytes: full } = await display(rig, 'S12345');
    const right = await regionColour(full, { left: 170, top: 100, width: 20, height: 100 });
    const left = await regionColour(full, { left: 10, top: 100, width: 20, height: 100 });
    expect(closeTo(right, { r: 0, g: 0, b: 0 })).toBe(true);
    expect(closeTo(left, RED)).toBe(true);

    expect(rig.photos.photo('S12345')).toMatchObject({ source_sha256: sha256(source), width: 200, height: 300, versions: 1 });
    const path = rig.photos.folder.contentPath('S12345.jpg')!;
    expect(readFileSync(path).equals(source)).toBe(true);
    expect(rig.photos.folder.stat('S12345.jpg')).toMatchObject({ name: 'S12345.jpg', size: source.length });
  });

  it('accepts PNG with metadata and transparency, and GIF; an animated GIF shows its first frame', async () => {
    rig.addUser('T0042');
    const withAlpha = await sharp({ create: { width: 120, height: 160, channels: 4, background: { r: 30, g: 200, b: 60, alpha: 1 } } })
      .png()
      .withMetadata({ density: 300 })
      .withExif({ IFD0: { Copyright: 'School' } })
      .toBuffer();
    await rig.upload('T0042.PNG', withAlpha);
    const { bytes } = await display(rig, 'T0042');
    const meta = await sharp(bytes).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 120, height: 160, hasAlpha: false });
    expect(meta.exif).toBeUndefined();
    expect(closeTo(await centreColour(bytes), GREEN)).toBe(true);

    rig.addUser('G1');
    await rig.upload('G1.gif', await sharp({ create: { width: 50, height: 50, channels: 3, background: BLUE } }).gif().toBuffer());
    expect(closeTo(await centreColour((await display(rig, 'G1')).bytes), BLUE, 40)).toBe(true);

    rig.addUser('G2');
    const anim = await animatedGif();
    expect((await sharp(anim).metadata()).pages).toBe(2);
    await rig.upload('G2.Gif', anim);
    const first = await centreColour((await display(rig, 'G2')).bytes);
    expect(closeTo(first, RED, 40)).toBe(true);
    expect(rig.photos.photo('G2')).toMatchObject({ width: 40, height: 40 });
  });

  it.each([
    ['text named .jpg', () => Buffer.from('Name,ID\nJane,S1\n'), /not an image \(it starts with text\)/],
    ['an HTML error page', () => Buffer.from('<!DOCTYPE html><html><body>404</body></html>'), /web page/],
    ['HEIC renamed .jpg', () => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(64)]), /^HEIC is not supported: export it as JPEG/],
    ['WebP', () => Buffer.concat([Buffer.from('RIFF\x20\0\0\0WEBPVP8 ', 'latin1'), Buffer.alloc(32)]), /^WebP is not supported/],
    ['an empty file', () => Buffer.alloc(0), /empty/],
  ])('refuses %s with a reason, and records it for the admin', async (_label, make, reason) => {
    const message = await refusal(rig.upload('S1.jpg', make()));
    expect(message).toMatch(reason);
    const [row] = rig.photos.rejected();
    expect(row).toMatchObject({ file_name: 'S1.jpg', local_id: 'S1', account: 'district', origin: 'sftp', hints: [] });
    expect(row.reason).toBe(message);
    expect(rig.photos.folder.list()).toEqual([]);
  });

  it('refuses a truncated or corrupt image and keeps the current photo', async () => {
    rig.addUser('S1');
    const good = await jpeg(400, 500, RED);
    await rig.upload('S1.jpg', good);

    const whole = await jpeg(400, 500, BLUE);
    const truncated = whole.subarray(0, Math.floor(whole.length * 0.6));
    expect(await refusal(rig.upload('S1.jpg', truncated))).toMatch(/^truncated JPEG/);

    // Scan data wrecked but the end marker intact: only the decoder can tell.
    const noise = Buffer.alloc(400 * 500 * 3).map((_, i) => (i * 7) % 251);
    const corrupt = await sharp(noise, { raw: { width: 400, height: 500, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    const sos = corrupt.indexOf(Buffer.from([0xff, 0xda]));
    expect(corrupt.length - sos).toBeGreaterThan(10_000);
    corrupt.fill(0xff, sos + 40, corrupt.length - 200);
    expect(await refusal(rig.upload('S1.jpg', corrupt))).toMatch(/^the JPEG is damaged and cannot be decoded \(.*Corrupt JPEG data.*\): export it again as JPEG$/);

    const truncatedPng = (await png(200, 200)).subarray(0, 300);
    expect(await refusal(rig.upload('S1.png', truncatedPng))).toMatch(/^truncated PNG/);

    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: sha256(good), versions: 1 });
    expect(closeTo(await centreColour((await display(rig, 'S1')).bytes), RED)).toBe(true);
    expect(rig.photos.folder.list().map((f) => f.name)).toEqual(['S1.jpg']);
    expect(rig.photos.rejected().length).toBe(3);
  });

  it('refuses a small PNG that declares a huge size (decompression bomb) without decoding it', async () => {
    const bomb = Buffer.from(await png(10, 10));
    bomb.writeUInt32BE(9000, 16);
    bomb.writeUInt32BE(9000, 20);
    expect(await refusal(rig.upload('S1.png', bomb))).toBe('9000×9000 is over the 50-megapixel limit: resize it (about 1000 px on the long side is plenty)');
  });

  it('refuses names that are not {LocalID}.jpg|.jpeg|.png|.gif before reading the file', async () => {
    expect(await refusal(rig.upload('IMG_0001.HEIC', await jpeg(10, 10)))).toMatch(/HEIC is not supported: export as JPEG/);
    expect(await refusal(rig.upload('notes.txt', Buffer.from('x')))).toMatch(/name photos \{LocalID\}\.jpg/);
    expect(await refusal(rig.upload('.jpg', await jpeg(10, 10)))).toMatch(/no Local ID/);
  });

  it('matches the Local ID exactly; near misses are kept unmatched with hints, never applied', async () => {
    rig.addUser('S12345');
    rig.addUser('0012345');
    const lower = await rig.upload('s12345.jpg', await jpeg(60, 80));
    expect(lower).toMatchObject({ localId: 's12345', matched: false, current: true });
    expect(lower.hints).toEqual([{ kind: 'case', local_id: 'S12345', why: 'differs only by upper/lower case', message: 'did you mean S12345? (differs only by upper/lower case)' }]);
    expect(lower.message).toBe('s12345.jpg: kept unmatched: no user has Local ID "s12345" — did you mean S12345?');

    const zeros = await rig.upload('12345.JPG', await jpeg(60, 80, BLUE));
    expect(zeros.hints.map((h) => [h.kind, h.local_id])).toEqual([['leading_zeros', '0012345']]);
    const spaces = await rig.upload(' S12345 .jpg', await jpeg(60, 80, GREEN));
    expect(spaces.hints.map((h) => [h.kind, h.local_id])).toEqual([['spaces', 'S12345']]);
    const doubled = await rig.upload('S12345.jpg.jpg', await jpeg(61, 80));
    expect(doubled.hints.map((h) => [h.kind, h.local_id])).toEqual([['doubled_extension', 'S12345']]);

    expect(rig.photos.photo('S12345')).toBeNull();
    const unmatched = rig.photos.unmatched();
    expect(unmatched.map((u) => u.file_name).sort()).toEqual([' S12345 .jpg', '12345.JPG', 'S12345.jpg.jpg', 's12345.jpg']);
    expect(unmatched.find((u) => u.local_id === 's12345')).toMatchObject({ account: 'district', reason: 'no user has Local ID "s12345" — did you mean S12345?' });
  });

  it('links an unmatched photo the moment its user is inserted, with no re-upload', async () => {
    const bytes = await jpeg(60, 80);
    await rig.upload('S777.jpg', bytes);
    expect(rig.photos.unmatched().map((u) => u.local_id)).toEqual(['S777']);
    expect(() => rig.photos.user('S777')).toThrow(/no user has Local ID S777/);
    rig.addUser('S777', 'Ana', 'Lima');
    expect(rig.photos.unmatched()).toEqual([]);
    expect(rig.photos.user('S777')).toMatchObject({ local_id: 'S777', first_name: 'Ana', last_name: 'Lima', role: 'student', active: true, photo: { source_sha256: sha256(bytes), versions: 1 } });
  });

  it('replaces on a new upload (S1.jpg then S1.png: the later one), keeps history, restores a version', async () => {
    rig.addUser('S1');
    const first = await jpeg(100, 120, RED);
    const second = await png(100, 120, GREEN);
    await rig.upload('S1.jpg', first);
    await rig.upload('S1.png', second);
    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: sha256(second), versions: 2 });
    expect(closeTo(await centreColour((await display(rig, 'S1')).bytes), GREEN)).toBe(true);
    expect(rig.photos.folder.list().map((f) => f.name)).toEqual(['S1.jpg', 'S1.png']);

    const history = rig.photos.history('S1');
    expect(history.map((h) => [h.file_name, h.current])).toEqual([['S1.png', true], ['S1.jpg', false]]);
    const restored = rig.photos.restore('S1', history[1].version_id, 'admin');
    expect(restored).toMatchObject({ source_sha256: sha256(first), versions: 2 });
    expect(closeTo(await centreColour((await display(rig, 'S1')).bytes), RED)).toBe(true);
    expect(() => rig.photos.restore('S2', history[1].version_id, 'admin')).toThrow(/no kept photo version/);

    // A new upload after a restore wins again.
    const third = await jpeg(100, 120, BLUE);
    await rig.upload('S1.jpg', third);
    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: sha256(third), versions: 3 });
  });

  it('keeps history_versions versions and deletes the content of older ones', async () => {
    rig.addUser('S1');
    const shas: string[] = [];
    for (let i = 0; i < 7; i++) {
      const bytes = await jpeg(50 + i, 60, RED);
      shas.push(sha256(bytes));
      await rig.upload('S1.jpg', bytes);
    }
    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: shas[6], versions: 5 });
    expect(rig.photos.history('S1').map((h) => h.source_sha256)).toEqual(shas.slice(2).reverse());
    const files = (sha: string) => [`${rig.dir}/data/photos/sha256/${sha.slice(0, 2)}/${sha}`, `${rig.dir}/data/photos/sha256/${sha.slice(0, 2)}/${sha}.thumb.jpg`];
    for (const sha of shas.slice(0, 2)) for (const f of files(sha)) expect(existsSync(f)).toBe(false);
    for (const sha of shas.slice(2)) for (const f of files(sha)) expect(existsSync(f)).toBe(true);
  });

  it('the same name uploaded by two sessions at once: the one committed last wins, even when it finishes first', async () => {
    const big = await jpeg(1200, 1600, RED, { quality: 95 });
    const small = await jpeg(90, 120, BLUE);
    let smallDone!: () => void;
    const smallFinished = new Promise<void>((resolve) => (smallDone = resolve));
    // The first commit is held back once its bytes are durable until the second one is current.
    const held = createRig('', { afterStep: (step, sha) => (step === 'source-durable' && sha === sha256(big) ? smallFinished : undefined) });
    try {
      held.addUser('S1');
      const a = held.upload('S1.jpg', big, 'session-a');
      const b = held.upload('S1.jpg', small, 'session-b').finally(() => smallDone());
      const [ra, rb] = await Promise.all([a, b]);
      expect(rb.current).toBe(true);
      expect(ra.current).toBe(false);
      expect(held.photos.photo('S1')).toMatchObject({ source_sha256: sha256(small), versions: 2 });
      expect(held.photos.folder.stat('S1.jpg')).toMatchObject({ size: small.length });
      expect(readFileSync(held.photos.folder.contentPath('S1.jpg')!).equals(small)).toBe(true);
    } finally {
      held.close();
    }
  });

  it('identical bytes uploaded again reuse their version; removing the file keeps history', async () => {
    rig.addUser('S1');
    const bytes = await jpeg(80, 100);
    await rig.upload('S1.jpg', bytes);
    await rig.upload('S1.jpg', bytes);
    expect(rig.photos.photo('S1')).toMatchObject({ versions: 1 });

    rig.photos.folder.setMtime('S1.jpg', 1_600_000_000);
    expect(rig.photos.folder.stat('S1.jpg')).toEqual({ name: 'S1.jpg', size: bytes.length, mtime: 1_600_000_000, version: expect.any(String) });

    rig.photos.folder.remove('S1.jpg', 'district');
    expect(rig.photos.folder.list()).toEqual([]);
    expect(rig.photos.photo('S1')).toBeNull();
    expect(rig.photos.display('S1', 'thumb').placeholder).toBe(true);
    const [kept] = rig.photos.history('S1');
    expect(kept).toMatchObject({ source_sha256: sha256(bytes), current: false });
    rig.photos.restore('S1', kept.version_id, 'admin');
    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: sha256(bytes) });
  });

  it('serves a placeholder for a known user without a photo and refuses an unknown Local ID', async () => {
    rig.addUser('S9');
    const image = rig.photos.display('S9', 'profile');
    expect(image.placeholder).toBe(true);
    const meta = await sharp(await image.read()).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 180, height: 240 });
    expect(() => rig.photos.display('nobody', 'thumb')).toThrow(/no user or photo has Local ID nobody/);
  });
});
