import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGroupSync } from '../../src/storage/group-commit.ts';
import { openDatabase } from '../../src/storage/db.ts';
import { createRig, jpeg, type PhotoRig } from './helpers.ts';

const colour = (i: number) => ({ r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 });

describe('group commit of uploads', () => {
  let rig: PhotoRig | undefined;
  afterEach(() => rig?.close());

  it('uploads acknowledged together are all listed on disk for another connection and current, then get their display files', async () => {
    rig = createRig();
    const n = 24;
    const photos = await Promise.all(Array.from({ length: n }, (_, i) => jpeg(60 + i, 80 + i, colour(i))));
    for (let i = 0; i < n; i++) rig.addUser(`G${i}`);
    // Acknowledged (the SFTP reply) once the listing is durable: every one, at once.
    await Promise.all(photos.map((bytes, i) => rig!.photos.folder.commit({ tempPath: rig!.staged(bytes), name: `G${i}.jpg`, size: bytes.length, account: 'district' })));
    const other = openDatabase(rig.db.path, { migrate: false });
    try {
      const listed = other.all<{ name: string; bytes: number }>('SELECT f.name, v.bytes FROM photo_files f JOIN photo_versions v ON v.id = f.version_id ORDER BY f.name');
      expect(listed).toHaveLength(n);
      for (const { name, bytes } of listed) expect(bytes).toBe(photos[Number(name.slice(1, -4))]!.length);
      for (let i = 0; i < n; i++) expect(existsSync(rig.photos.folder.contentPath(`G${i}.jpg`)!)).toBe(true);
    } finally {
      other.close();
    }
    // Each is current (shown) when acknowledged; its display sizes follow.
    expect(photos.filter((_, i) => rig!.photos.photo(`G${i}`) !== null)).toHaveLength(n);
    const shas = photos.map((_, i) => rig!.photos.photo(`G${i}`)!.source_sha256);
    const rendered = () => shas.filter((sha) => (['thumb', 'profile', 'full'] as const).every((size) => existsSync(rig!.photos.filePath(sha, size)))).length;
    await expect.poll(rendered, { timeout: 30_000 }).toBe(n);
  });

  it('callers that ask while an fsync runs share the next one; every caller is answered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-group-'));
    try {
      const db = openDatabase(join(dir, 'x.db'));
      db.exec('CREATE TABLE t (v INTEGER)');
      const first = db.sync();
      const waiting = Array.from({ length: 10 }, (_, i) => {
        db.tx(() => db.run('INSERT INTO t (v) VALUES (?)', i), { durable: false });
        return db.sync();
      });
      // The ten arrived while the first fsync ran: one more fsync answers all of them.
      expect(new Set(waiting).size).toBe(1);
      expect(waiting[0]).not.toBe(first);
      await Promise.all([first, ...waiting]);
      // Nothing under way any more: the next caller starts its own.
      const later = db.sync();
      expect(later).not.toBe(waiting[0]);
      await later;
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with no write-ahead log it fsyncs the database file; a database that is not there is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-group-'));
    try {
      writeFileSync(join(dir, 'plain.db'), '');
      await createGroupSync(join(dir, 'plain.db'))();
      await expect(createGroupSync(join(dir, 'missing.db'))()).rejects.toMatchObject({ code: 'ENOENT' });
      await createGroupSync(':memory:')();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  // After a failed fsync Linux marks the unwritten pages clean: a later fsync succeeds although
  // the commits before it may be gone at the next power cut, and with them every later commit of
  // the log (its checksums run on from frame to frame). No later caller may be told "durable".
  it('once an fsync of the log has failed, every later call fails too, even when the next fsync would succeed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-group-'));
    try {
      const path = join(dir, 'x.db');
      writeFileSync(path, '');
      // A log that refuses fsync, for real: the kernel answers EINVAL for a character device.
      symlinkSync('/dev/null', `${path}-wal`);
      const sync = createGroupSync(path);
      await expect(sync()).rejects.toMatchObject({ code: 'EINVAL' });
      unlinkSync(`${path}-wal`);
      writeFileSync(`${path}-wal`, '');
      await expect(sync()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/EINVAL.*restart/) });
      await expect(sync()).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('an upload of the same photo that fails to place its bytes leaves the one another session stored (and was told OK for) alone', async () => {
    let secondTemp = '';
    let rows = 0;
    let reached!: () => void;
    const atDurable = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    rig = createRig('', {
      afterStep(step) {
        // The second upload's file vanishes after its checks (a real unlink): placing it fails.
        if (step === 'pending-row' && ++rows === 2) unlinkSync(secondTemp);
        // The first is stored and listed; it waits here, still pending, until released.
        if (step === 'source-durable' && rows === 1) {
          reached();
          return held;
        }
      },
    });
    rig.addUser('S1');
    const bytes = await jpeg(90, 120, colour(3));
    const first = rig.upload('S1.jpg', bytes);
    await atDurable;
    secondTemp = rig.staged(bytes);
    await expect(rig.photos.ingest({ tempPath: secondTemp, name: 'S1.jpg', account: 'district', origin: 'sftp' })).rejects.toMatchObject({ code: 'ENOENT' });
    // The first upload's file and listing are still there (checked before it goes on: without
    // them it would retry its display images forever).
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(existsSync(join(rig.config.data_dir, 'photos', 'sha256', sha.slice(0, 2), sha))).toBe(true);
    expect(rig.photos.folder.contentPath('S1.jpg')).toBeDefined();
    release();
    await expect(first).resolves.toMatchObject({ current: true, sha256: sha });
    expect(rig.photos.photo('S1')?.source_sha256).toBe(sha);
  });
  // The bytes are renamed into place before the fsyncs: a power cut can leave them torn with the
  // pending row lost (its commit not yet on disk), so no version names them and start-up does not
  // check them. The client never got its OK and sends the same file again.
  it('the same bytes sent again over a torn file that no version uses: the upload stores its own bytes, not the torn ones', async () => {
    rig = createRig();
    rig.addUser('S1');
    const bytes = await jpeg(90, 120, colour(5));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const source = join(rig.config.data_dir, 'photos', 'sha256', sha.slice(0, 2), sha);
    mkdirSync(dirname(source), { recursive: true });
    writeFileSync(source, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(rig.upload('S1.jpg', bytes)).resolves.toMatchObject({ current: true, sha256: sha });
    expect(readFileSync(source)).toEqual(bytes);
  });
});
