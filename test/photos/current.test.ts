import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLUE, GREEN, RED, createRig, jpeg, png, type PhotoRig } from './helpers.ts';
import { ROOT, runNode } from './processes.ts';
import { createCurrentPhotos, MAX_REMEMBERED } from '../../src/domain/photos/current.ts';

/** The current photo's sha as `GET /photos/:localid` would serve it (null: the placeholder). */
function shown(rig: PhotoRig, localId: string): string | null {
  const image = rig.photos.display(localId, 'thumb');
  return image.placeholder ? null : image.etag.slice(1, 41);
}

// `display` answers from an in-memory index of current photos, not from SQLite: these check
// that the index never serves a photo that is no longer current.
describe('current photos in memory', () => {
  let rig: PhotoRig;
  beforeEach(async () => {
    rig = createRig();
    rig.addUser('S1');
    await rig.photos.start();
  });
  afterEach(() => rig.close());

  it('follows every replace, restore and removal of this process at once', async () => {
    const red = await rig.upload('S1.jpg', await jpeg(60, 80, RED));
    expect(shown(rig, 'S1')).toBe(red.sha256.slice(0, 40));
    const blue = await rig.upload('S1.png', await png(60, 80, BLUE));
    expect(shown(rig, 'S1')).toBe(blue.sha256.slice(0, 40));

    rig.photos.restore('S1', red.versionId, 'admin');
    expect(shown(rig, 'S1')).toBe(red.sha256.slice(0, 40));

    // S1.jpg is current again; taking it out of the folder leaves S1.png, then nothing.
    rig.photos.folder.remove('S1.jpg', 'district');
    expect(shown(rig, 'S1')).toBe(blue.sha256.slice(0, 40));
    rig.photos.folder.remove('S1.png', 'district');
    expect(shown(rig, 'S1')).toBeNull();

    // A refused upload changes nothing; an unknown Local ID is still unknown.
    await rig.upload('S1.jpg', Buffer.from('not an image')).catch(() => undefined);
    expect(shown(rig, 'S1')).toBeNull();
    expect(() => shown(rig, 'NOBODY')).toThrow(/no user or photo/);
  });

  it('sees a photo added or restored by another process (the CLI beside a running appliance)', async () => {
    const red = await rig.upload('S1.jpg', await jpeg(60, 80, RED));
    expect(shown(rig, 'S1')).toBe(red.sha256.slice(0, 40));
    rig.addUser('S2');
    expect(shown(rig, 'S2')).toBeNull();

    const config = join(rig.dir, 'cli.toml');
    writeFileSync(config, `data_dir = ${JSON.stringify(rig.config.data_dir)}\n[log]\nlevel = "silent"\n`);
    const file = join(rig.dir, 'S1.png');
    writeFileSync(file, await png(60, 80, GREEN));
    const other = join(rig.dir, 'S2.jpg');
    writeFileSync(other, await jpeg(60, 80, BLUE));
    const add = runNode([join(ROOT, 'bin/idphotos.js'), 'photos', 'add', file, other, '--config', config]);
    expect(await add.exited, add.output()).toBe(0);
    const green = rig.photos.history('S1').find((v) => v.current)!;
    expect(green.file_name).toBe('S1.png');
    expect(shown(rig, 'S1')).toBe(green.source_sha256.slice(0, 40));
    // A Local ID that had no photo when the index was loaded has one now.
    expect(shown(rig, 'S2')).toBe(rig.photos.photo('S2')!.source_sha256.slice(0, 40));

    const restore = runNode([join(ROOT, 'bin/idphotos.js'), 'photos', 'restore', 'S1', String(red.versionId), '--config', config]);
    expect(await restore.exited, restore.output()).toBe(0);
    expect(shown(rig, 'S1')).toBe(red.sha256.slice(0, 40));
  });
});

describe('current photos in memory: its budget', () => {
  it('remembers at most MAX_REMEMBERED Local IDs, however many unknown ones are asked for, and still answers right', async () => {
    const rig = createRig();
    try {
      rig.addUser('S1');
      await rig.photos.start();
      const red = await rig.upload('S1.jpg', await jpeg(60, 80, RED));
      const current = createCurrentPhotos(rig.storage.photos);
      current.load();
      expect(current.sha('S1')).toBe(red.sha256);
      for (let i = 0; i <= MAX_REMEMBERED + 10; i++) expect(current.sha(`NOPE${i}`)).toBeUndefined();
      expect(current.remembered()).toBeLessThanOrEqual(MAX_REMEMBERED);
      expect(current.remembered()).toBeGreaterThan(0);
      // What it forgot is looked up again.
      expect(current.sha('S1')).toBe(red.sha256);
    } finally {
      rig.close();
    }
  }, 120_000);
});
