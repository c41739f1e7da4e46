import { createHash } from 'node:crypto';
import { existsSync, rmSync, unlinkSync } from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/domain/audit/audit.ts';
import { createPhotoExports, parseExportRequest } from '../../src/domain/exports/photo-export.ts';
import { readZip } from '../exports/zip-read.ts';
import { BLUE, GREEN, RED, centreColour, closeTo, createRig, jpeg, png, type PhotoRig } from './helpers.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SIZES = ['thumb', 'profile', 'full'] as const;
/** Renders held while uploads arrive (limiter.ts) for longer than any test: only a pause or a waiting caller starts them. */
const LONG_HOLD = { quietMs: 60_000, maxHoldMs: 60_000 };

/** Hooks that list the photos decoded (`order`) and the ingests finished with their display images (`written`). */
function recorded() {
  const order: string[] = [];
  const written: string[] = [];
  const hooks = {
    afterStep: (step: string, sha: string) => {
      if (step === 'rendered') order.push(sha);
      if (step === 'displays-written') written.push(sha);
    },
  };
  return { order, written, hooks };
}

/** A JPEG whose header and end marker are intact but whose scan data is wrecked: only decoding tells. */
async function undecodable(): Promise<Buffer> {
  const noise = Buffer.alloc(400 * 500 * 3).map((_, i) => (i * 7) % 251);
  const bytes = await sharp(noise, { raw: { width: 400, height: 500, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
  bytes.fill(0xff, bytes.indexOf(Buffer.from([0xff, 0xda])) + 40, bytes.length - 200);
  return bytes;
}

/**
 * A rig (one worker unless `toml` says otherwise) whose first render once armed stops before it
 * writes its files until `release`; `heldRig()` is armed from the start. `order` lists the renders
 * as they finish decoding.
 */
function armedRig(toml = '[photos]\nworkers = 1', armedAtStart = false, hold?: typeof LONG_HOLD): { rig: PhotoRig; arm: () => void; release: () => void; reached: Promise<void>; order: string[] } {
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let armed = armedAtStart;
  const rig = createRig(toml, {
    afterStep: async (step, sha) => {
      if (step !== 'rendered') return;
      order.push(sha);
      if (!armed) return;
      armed = false;
      reach();
      await gate;
    },
  }, hold);
  return { rig, arm: () => (armed = true), release, reached, order };
}

const heldRig = () => armedRig(undefined, true);

/**
 * S2's photo takes the only worker and is held there; then S1 gets a good photo (`old`) and an
 * undecodable one after it, both shown and both waiting to render.
 */
async function oldThenBroken(held: ReturnType<typeof armedRig>): Promise<{ old: Buffer; bad: Buffer; other: Buffer }> {
  const { rig } = held;
  await rig.photos.start();
  rig.addUser('S1');
  rig.addUser('S2');
  const other = await jpeg(100, 120, RED);
  await rig.photos.folder.commit({ tempPath: rig.staged(other), name: 'S2.jpg', size: other.length, account: 'district' });
  await held.reached;
  const old = await jpeg(100, 120, GREEN);
  await rig.photos.folder.commit({ tempPath: rig.staged(old), name: 'S1.jpg', size: old.length, account: 'district' });
  const bad = await undecodable();
  await rig.photos.folder.commit({ tempPath: rig.staged(bad), name: 'S1.jpg', size: bad.length, account: 'district' });
  return { old, bad, other };
}

describe('display images after the photo is shown', () => {
  let rig: PhotoRig | undefined;
  afterEach(() => rig?.close());

  it('a viewer asking for a photo not rendered yet gets it ahead of the queued renders', async () => {
    const held = heldRig();
    rig = held.rig;
    await rig.photos.start();
    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => jpeg(300 + i * 10, 400, i === 7 ? BLUE : RED)));
    images.forEach((_, i) => rig!.addUser(`V${i}`));
    await Promise.all(images.map((bytes, i) => rig!.photos.folder.commit({ tempPath: rig!.staged(bytes), name: `V${i}.jpg`, size: bytes.length, account: 'district' })));
    await held.reached;
    // Shown (current) already, none rendered: the first render is held, six wait behind it.
    const rendered = () => images.filter((b) => SIZES.every((s) => existsSync(rig!.photos.filePath(sha256(b), s)))).length;
    expect(images.every((b, i) => rig!.photos.photo(`V${i}`)?.source_sha256 === sha256(b))).toBe(true);
    expect(rendered()).toBe(0);

    const view = rig.photos.display('V7', 'profile').read();
    held.release();
    const bytes = await view;
    expect(closeTo(await centreColour(bytes), BLUE)).toBe(true);
    await expect.poll(rendered, { timeout: 30_000 }).toBe(images.length);
    // The worker went from the held render to V7, then to the ones queued before V7: each decoded once.
    const order = held.order.map((sha) => images.findIndex((b) => sha256(b) === sha));
    expect(order[1]).toBe(7);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // NB: a render's row goes once its files and folder are fsynced, just after they appear.
    await expect.poll(() => rig!.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n).toBe(0);
    await rig.photos.stop();
  });

  it("an SFTP upload's render waits for the uploads to pause; a viewer's and the command line's do not", async () => {
    const { order, written, hooks } = recorded();
    // One worker, and a hold longer than the test: nothing but the hold keeps the worker from S3.
    rig = createRig('[photos]\nworkers = 1', hooks, LONG_HOLD);
    await rig.photos.start();
    for (const id of ['S1', 'S2', 'S3']) rig.addUser(id);
    const first = await jpeg(120, 160, RED);
    await rig.photos.folder.commit({ tempPath: rig.staged(first), name: 'S3.jpg', size: first.length, account: 'district' });
    const second = await jpeg(120, 160, GREEN);
    await rig.photos.folder.commit({ tempPath: rig.staged(second), name: 'S1.jpg', size: second.length, account: 'district' });
    // Both acknowledged and shown; their renders hold. Without the hold, the first would have
    // taken the only worker when it was queued, and everything below would wait for it.
    expect(rig.photos.photo('S3')?.source_sha256).toBe(sha256(first));
    // The command line waits for its photo's render: it goes ahead of the held ones.
    const cli = await jpeg(120, 160, BLUE);
    await rig.photos.addFile(rig.staged(cli), { account: 'cli', name: 'S2.jpg' });
    expect(SIZES.every((s) => existsSync(rig!.photos.filePath(sha256(cli), s)))).toBe(true);
    // So does a viewer.
    expect(existsSync(await rig.photos.readyFile(sha256(second), 'thumb'))).toBe(true);
    expect(order).toEqual([sha256(cli), sha256(second)]);
    expect(SIZES.some((s) => existsSync(rig!.photos.filePath(sha256(first), s)))).toBe(false);
    // The upload whose held render the viewer took over is finished with the viewer's render, not
    // at the end of the hold (nor refused by the stop below, as if still to be made).
    await expect.poll(() => written).toContain(sha256(second));
    expect(written).not.toContain(sha256(first));
    // Stopped while held: the render stays queued for the next start.
    await rig.photos.stop();
    expect(rig.db.all<{ source_sha256: string }>('SELECT source_sha256 FROM photo_renders').map((r) => r.source_sha256)).toEqual([sha256(first)]);
  });

  it('an ingest someone waits for (a delivery, a hint applied) takes over the held render of the same bytes', async () => {
    const { order, written, hooks } = recorded();
    rig = createRig('[photos]\nworkers = 1', hooks, LONG_HOLD);
    await rig.photos.start();
    rig.addUser('S1');
    rig.addUser('S2');
    const bytes = await jpeg(120, 160, RED);
    await rig.photos.folder.commit({ tempPath: rig.staged(bytes), name: 'S1.jpg', size: bytes.length, account: 'district' });
    // The same bytes for another person, as a vendor delivery hands them to the photo store.
    const result = await rig.upload('S2.jpg', bytes);
    expect(result).toMatchObject({ current: true, matched: true });
    expect(SIZES.every((s) => existsSync(rig!.photos.filePath(sha256(bytes), s)))).toBe(true);
    // Decoded once, and the SFTP upload's ingest, which waited on the held render, finished with it.
    await expect.poll(() => written).toEqual([sha256(bytes), sha256(bytes)]);
    expect(order).toEqual([sha256(bytes)]);
    expect(rig.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n).toBe(0);
    await rig.photos.stop();
  });

  it('a held SFTP render taken over by an awaited ingest, then by a viewer: the refusal of undecodable bytes reaches every caller', async () => {
    const held = armedRig(undefined, false, LONG_HOLD);
    rig = held.rig;
    await rig.photos.start();
    for (const id of ['S0', 'S1', 'S2']) rig.addUser(id);
    held.arm();
    // An awaited ingest takes the only worker and stops before it writes its files.
    const busy = rig.upload('S0.jpg', await jpeg(100, 120, RED));
    await held.reached;
    const bad = await undecodable();
    await rig.photos.folder.commit({ tempPath: rig.staged(bad), name: 'S1.jpg', size: bad.length, account: 'district' });
    // The same bytes for another person, awaited (a delivery): ahead of the held SFTP render.
    const awaited = rig.upload('S2.jpg', bad);
    awaited.catch(() => {});
    await expect.poll(() => rig!.photos.photo('S2')?.source_sha256).toBe(sha256(bad));
    // A viewer: ahead of the awaited one.
    const view = rig.photos.display('S1', 'profile').read();
    view.catch(() => {});
    held.release();
    await busy;
    await expect(view).rejects.toMatchObject({ code: 'not_found' });
    await expect(awaited).rejects.toMatchObject({ code: 'invalid', details: { refusal: 'damaged' } });
    expect(rig.photos.photo('S1')).toBeNull();
    expect(rig.photos.photo('S2')).toBeNull();
    expect(rig.photos.rejected().filter((r) => r.local_id === 'S1' || r.local_id === 'S2')).toHaveLength(2);
    expect(rig.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n).toBe(0);
    await rig.photos.stop();
  });

  it("a stop waits for a viewer's render that is running, so it never meets a closed database", async () => {
    const held = armedRig();
    rig = held.rig;
    await rig.photos.start();
    rig.addUser('S1');
    const bytes = await jpeg(120, 160, GREEN);
    await rig.upload('S1.jpg', bytes);
    // Its display files gone: only the viewer's request renders them again.
    for (const size of SIZES) unlinkSync(rig.photos.filePath(sha256(bytes), size));
    held.arm();
    const view = rig.photos.display('S1', 'profile').read();
    await held.reached;
    let stopped = false;
    const stop = rig.photos.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    held.release();
    await stop;
    expect(closeTo(await centreColour(await view), GREEN)).toBe(true);
    expect(SIZES.every((size) => existsSync(rig!.photos.filePath(sha256(bytes), size)))).toBe(true);
  });

  it('undecodable pixels found after the photo was shown: the photo it replaced (under another name) is shown again', async () => {
    rig = createRig();
    rig.addUser('S1');
    const good = await png(120, 160, GREEN);
    await rig.upload('S1.png', good);
    await expect(rig.upload('S1.jpg', await undecodable())).rejects.toMatchObject({ code: 'invalid', details: { refusal: 'damaged' } });
    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: sha256(good), versions: 1 });
    expect(rig.photos.folder.list().map((f) => f.name)).toEqual(['S1.png']);
    expect(rig.photos.rejected()[0]).toMatchObject({ file_name: 'S1.jpg', local_id: 'S1', origin: 'sftp' });
    expect(rig.photos.rejected()[0].reason).toMatch(/^the JPEG is damaged and cannot be decoded/);
    expect(closeTo(await centreColour(await rig.photos.display('S1', 'profile').read()), GREEN)).toBe(true);
    expect(rig.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n).toBe(0);
  });

  it('a viewer who asks for an undecodable photo before its render is told it was taken back, and then sees the one before', async () => {
    const held = heldRig();
    rig = held.rig;
    const { old, bad } = await oldThenBroken(held);
    expect(rig.photos.photo('S1')?.source_sha256).toBe(sha256(bad));
    const view = rig.photos.display('S1', 'profile').read();
    held.release();
    await expect(view).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/could not be decoded and was taken back/) });
    expect(rig.photos.photo('S1')?.source_sha256).toBe(sha256(old));
    expect(rig.photos.folder.stat('S1.jpg')).toMatchObject({ size: old.length });
    expect(closeTo(await centreColour(await rig.photos.display('S1', 'profile').read()), GREEN)).toBe(true);
    await rig.photos.stop();
  });
});

/** A second undecodable JPEG, other bytes than `undecodable()` (another version of the same Local ID). */
async function undecodableToo(): Promise<Buffer> {
  const bytes = await undecodable();
  bytes[bytes.length - 100] ^= 0x01;
  return bytes;
}

/**
 * S1 has `good` under `goodName`; an undecodable S1.jpg is then shown while the only worker is
 * held (rendering S2's photo), so its render waits; `meanwhile` runs; then every render finishes.
 */
async function brokenUploadWaiting(held: ReturnType<typeof armedRig>, goodName: string, good: Buffer, meanwhile: (rig: PhotoRig) => void = () => {}): Promise<void> {
  const { rig } = held;
  await rig.photos.start();
  rig.addUser('S1');
  rig.addUser('S2');
  await rig.upload(goodName, good);
  const first = await jpeg(100, 120, RED);
  held.arm();
  await rig.photos.folder.commit({ tempPath: rig.staged(first), name: 'S2.jpg', size: first.length, account: 'district' });
  await held.reached;
  const bad = await undecodable();
  await rig.photos.folder.commit({ tempPath: rig.staged(bad), name: 'S1.jpg', size: bad.length, account: 'district' });
  meanwhile(rig);
  held.release();
  await expect.poll(() => rig.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n, { timeout: 30_000 }).toBe(0);
  await rig.photos.stop();
}

describe('taking an undecodable photo back', () => {
  let rig: PhotoRig | undefined;
  afterEach(() => rig?.close());

  it("an upload whose queued render a viewer overtook is refused, not retried until the stop", async () => {
    const held = armedRig();
    rig = held.rig;
    await rig.photos.start();
    rig.addUser('S1');
    rig.addUser('S2');
    const first = await jpeg(100, 120, RED);
    held.arm();
    await rig.photos.folder.commit({ tempPath: rig.staged(first), name: 'S2.jpg', size: first.length, account: 'district' });
    await held.reached;
    const good = await jpeg(100, 120, GREEN);
    const bad = await undecodable();
    const goodUpload = rig.upload('S1.jpg', good);
    await expect.poll(() => rig!.photos.photo('S1')?.source_sha256).toBe(sha256(good));
    const badUpload = rig.upload('S1.jpg', bad);
    badUpload.catch(() => {});
    await expect.poll(() => rig!.photos.photo('S1')?.source_sha256).toBe(sha256(bad));
    // The viewer's render goes ahead of the upload's own, queued one.
    const view = rig.photos.display('S1', 'profile').read();
    held.release();
    await expect(view).rejects.toMatchObject({ code: 'not_found' });
    await goodUpload;
    await expect(badUpload).rejects.toMatchObject({ code: 'invalid', details: { refusal: 'damaged' } });
    expect(rig.photos.photo('S1')?.source_sha256).toBe(sha256(good));
    await rig.photos.stop();
  });

  it('two undecodable uploads in a row: the photo before both is shown again', async () => {
    const held = armedRig();
    rig = held.rig;
    await rig.photos.start();
    rig.addUser('S1');
    rig.addUser('S2');
    const good = await png(120, 160, GREEN);
    await rig.upload('S1.png', good);
    const first = await jpeg(100, 120, RED);
    held.arm();
    await rig.photos.folder.commit({ tempPath: rig.staged(first), name: 'S2.jpg', size: first.length, account: 'district' });
    await held.reached;
    for (const bytes of [await undecodable(), await undecodableToo()]) {
      await rig.photos.folder.commit({ tempPath: rig.staged(bytes), name: 'S1.jpg', size: bytes.length, account: 'district' });
    }
    held.release();
    await expect.poll(() => rig!.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n, { timeout: 30_000 }).toBe(0);
    await rig.photos.stop();
    expect(rig.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n).toBe(0);
    expect(rig.photos.rejected().filter((r) => r.local_id === 'S1')).toHaveLength(2);
    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: sha256(good), versions: 1 });
    expect(rig.photos.folder.list().map((f) => f.name)).toEqual(['S1.png', 'S2.jpg']);
  });

  it('an undecodable upload does not push the photo it replaced out of a short history', async () => {
    const held = armedRig('[photos]\nworkers = 1\nhistory_versions = 1');
    rig = held.rig;
    const good = await jpeg(120, 160, GREEN);
    await brokenUploadWaiting(held, 'S1.jpg', good);
    expect(rig.photos.photo('S1')).toMatchObject({ source_sha256: sha256(good) });
    expect(rig.photos.folder.stat('S1.jpg')).toMatchObject({ size: good.length });
    expect(existsSync(rig.photos.filePath(sha256(good), 'original'))).toBe(true);
  });

  it('a file removed over SFTP while its undecodable upload waited to render stays removed', async () => {
    const held = armedRig();
    rig = held.rig;
    await brokenUploadWaiting(held, 'S1.jpg', await jpeg(120, 160, GREEN), (r) => r.photos.folder.remove('S1.jpg', 'district'));
    expect(rig.photos.rejected()[0]).toMatchObject({ file_name: 'S1.jpg' });
    expect(rig.photos.folder.list().map((f) => f.name)).toEqual(['S2.jpg']);
    expect(rig.photos.photo('S1')).toBeNull();
  });

  it('a photo whose file was removed over SFTP is not shown again when the upload that replaced it is taken back', async () => {
    const held = armedRig();
    rig = held.rig;
    await brokenUploadWaiting(held, 'S1.png', await png(120, 160, GREEN), (r) => r.photos.folder.remove('S1.png', 'district'));
    expect(rig.photos.rejected()[0]).toMatchObject({ file_name: 'S1.jpg' });
    expect(rig.photos.folder.list().map((f) => f.name)).toEqual(['S2.jpg']);
    // As if the broken upload had never come: removing S1.png left S1 without a photo.
    expect(rig.photos.photo('S1')).toBeNull();
  });

  it('an upload purged (retention) while its render waited finishes instead of retrying until the stop', async () => {
    const held = armedRig();
    rig = held.rig;
    await rig.photos.start();
    rig.addUser('S2');
    const first = await jpeg(100, 120, RED);
    held.arm();
    await rig.photos.folder.commit({ tempPath: rig.staged(first), name: 'S2.jpg', size: first.length, account: 'district' });
    await held.reached;
    const leaver = await jpeg(120, 160, GREEN);
    const upload = rig.upload('S1.jpg', leaver);
    await expect.poll(() => rig!.photos.photo('S1')?.source_sha256).toBe(sha256(leaver));
    expect(rig.photos.purge('S1')).toBe(1);
    held.release();
    await upload;
    expect(rig.photos.photo('S1')).toBeNull();
    expect(existsSync(rig.photos.filePath(sha256(leaver), 'original'))).toBe(false);
    expect(existsSync(rig.photos.filePath(sha256(leaver), 'profile'))).toBe(false);
    await rig.photos.stop();
  });
});

describe('an upload that fails after a broken one it replaced was taken back', () => {
  let rig: PhotoRig | undefined;
  afterEach(() => rig?.close());

  it('gives its name back to the photo shown, not to the version taken back (no foreign-key error, no pending row left listed)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holdNext = false;
    let reached!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    /** When the upload of `failing.sha` is listed: the broken one is taken back, then its bytes vanish. */
    const failing = { sha: '', tempPath: '' };
    rig = createRig('[photos]\nworkers = 1', {
      afterStep: async (step, sha) => {
        if (step === 'rendered' && holdNext) {
          holdNext = false;
          reached();
          await gate;
        }
        if (step === 'listed' && sha === failing.sha) {
          const view = rig!.photos.display('S1', 'profile').read();
          release();
          await expect(view).rejects.toMatchObject({ code: 'not_found' });
          rmSync(failing.tempPath);
        }
      },
    });
    await rig.photos.start();
    rig.addUser('S1');
    rig.addUser('S2');
    const good = await jpeg(120, 160, GREEN);
    await rig.upload('S1.jpg', good);
    const first = await jpeg(100, 120, RED);
    holdNext = true;
    await rig.photos.folder.commit({ tempPath: rig.staged(first), name: 'S2.jpg', size: first.length, account: 'district' });
    await holding;
    const bad = await undecodable();
    await rig.photos.folder.commit({ tempPath: rig.staged(bad), name: 'S1.jpg', size: bad.length, account: 'district' });
    const next = await jpeg(110, 150, BLUE);
    failing.sha = sha256(next);
    failing.tempPath = rig.staged(next);
    await expect(rig.photos.ingest({ tempPath: failing.tempPath, name: 'S1.jpg', account: 'district', origin: 'sftp' })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(rig.photos.photo('S1')?.source_sha256).toBe(sha256(good));
    expect(rig.photos.folder.stat('S1.jpg')).toMatchObject({ size: good.length });
    expect(rig.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM photo_versions WHERE state = 'pending'")!.n).toBe(0);
    await rig.photos.stop();
  });

  it('an export asked for while an undecodable photo waits for its render holds the photo shown again, whole', async () => {
    const held = heldRig();
    rig = held.rig;
    const { old, bad, other } = await oldThenBroken(held);
    const audit = createAuditLog(rig.storage.audit);
    const exports = createPhotoExports(rig.storage.exports, rig.photos, audit);
    const asked = exports.plan(parseExportRequest({ size: 'full' }));
    expect(asked.entries.map((e) => e.row.source_sha256).sort()).toEqual([sha256(bad), sha256(other)].sort());
    const planned = exports.ready(asked);
    held.release();
    const plan = await planned;
    expect(Object.fromEntries(plan.entries.map((e) => [e.row.local_id, e.row.source_sha256]))).toEqual({ S1: sha256(old), S2: sha256(other) });
    const chunks: Buffer[] = [];
    for await (const chunk of exports.zipStream(plan, { actor: 'admin', to: 'a test' })) chunks.push(chunk as Buffer);
    const files = await readZip(Buffer.concat(chunks));
    expect(closeTo(await centreColour(files.get('S1.jpg')!), GREEN)).toBe(true);
    expect(closeTo(await centreColour(files.get('S2.jpg')!), RED)).toBe(true);
    audit.close();
    await rig.photos.stop();
  });
});
