import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhotoService } from '../../src/domain/photos/service.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { RED, createRig, jpeg, type PhotoRig } from './helpers.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('a batch of uploads through the SFTP-facing folder', () => {
  let rig: PhotoRig;
  afterEach(() => rig?.close());

  it('acknowledges each photo once durable, listed and shown; a stop leaves queued renders for the next start, which does not bring back one removed meanwhile', async () => {
    // The first render is held before it writes its files until the stop has begun, so the other
    // eleven are still queued behind the single worker when it comes. NB: no hold while uploads
    // arrive (limiter.ts): the first render takes the worker as soon as it is queued.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const rendersAtOnce = { quietMs: 0, maxHoldMs: 0 };
    rig = createRig('[photos]\nworkers = 1', {
      afterStep: async (step) => {
        if (step === 'rendered' && !held) {
          held = true;
          await gate;
        }
      },
    }, rendersAtOnce);
    await rig.photos.start();
    const images = await Promise.all(Array.from({ length: 12 }, (_, i) => jpeg(300 + i, 400, RED)));
    images.forEach((_, i) => rig.addUser(`Q${i}`));

    await Promise.all(
      images.map((bytes, i) => rig.photos.folder.commit({ tempPath: rig.staged(bytes), name: `Q${i}.jpg`, size: bytes.length, account: 'district' })),
    );
    // Acknowledged means listed with its bytes as uploaded and shown, whether or not it is rendered yet.
    expect(rig.photos.folder.list().map((e) => e.name).sort()).toEqual(images.map((_, i) => `Q${i}.jpg`).sort());
    images.forEach((bytes, i) => expect(rig.photos.photo(`Q${i}`)).toMatchObject({ source_sha256: sha256(bytes) }));
    const stopped = rig.photos.stop();
    release();
    await stopped;
    const states = Object.fromEntries(rig.db.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM photo_versions GROUP BY state').map((s) => [s.state, s.n]));
    expect(states).toEqual({ ready: images.length });
    const queued = () => rig.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_renders')!.n;
    expect(queued()).toBe(images.length - 1);

    // Removed over SFTP while still waiting to render: it must not come back at the next start.
    rig.photos.folder.remove('Q5.jpg', 'district');

    const again = createPhotoService({ storage: rig.storage, dataDir: rig.config.data_dir, config: rig.config.photos, maxBytes: rig.config.sftp.max_photo_bytes, log: createLogger('photos') });
    await again.start();
    images.forEach((bytes, i) => {
      if (i === 5) expect(again.photo('Q5')?.source_sha256).toBeUndefined();
      else expect(again.photo(`Q${i}`)).toMatchObject({ source_sha256: sha256(bytes) });
    });
    expect(again.folder.list().map((e) => e.name)).not.toContain('Q5.jpg');
    // The display images of the last one are made at once when asked for; the rest follow in the background.
    for (const size of ['thumb', 'profile', 'full'] as const) {
      expect((await again.display('Q11', size).read()).length).toBeGreaterThan(0);
    }
    await expect.poll(queued, { timeout: 30_000 }).toBe(0);
    images.forEach((bytes, i) => {
      for (const size of ['thumb', 'profile', 'full'] as const) expect(existsSync(again.filePath(sha256(bytes), size))).toBe(true);
    });
    await again.stop();
  });
});
