import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { parseConfig } from '../../src/config/parse.ts';
import type { Config } from '../../src/config/schema.ts';
import { createPhotoService, type PhotoService, type PhotoServiceOptions } from '../../src/domain/photos/service.ts';
import { createLogger } from '../../src/shared/logger.ts';
import type { Db } from '../../src/storage/db.ts';
import { databaseOf, openStorage, type Storage } from '../../src/storage/index.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';

export type Rgb = { r: number; g: number; b: number };
export const RED: Rgb = { r: 220, g: 30, b: 30 };
export const GREEN: Rgb = { r: 30, g: 200, b: 60 };
export const BLUE: Rgb = { r: 30, g: 60, b: 220 };

/** A photo-like JPEG: a coloured field with a darker top band, so orientation is visible. */
export async function jpeg(width: number, height: number, colour: Rgb = RED, options: { quality?: number } = {}): Promise<Buffer> {
  return sharp(await picture(width, height, colour)).jpeg({ quality: options.quality ?? 85 }).toBuffer();
}

export async function png(width: number, height: number, colour: Rgb = GREEN): Promise<Buffer> {
  return sharp(await picture(width, height, colour)).png().toBuffer();
}

/** Top quarter black, rest `colour`: after a rotation the black band moves to a side. */
async function picture(width: number, height: number, colour: Rgb): Promise<Buffer> {
  const band = await sharp({ create: { width, height: Math.max(1, Math.floor(height / 4)), channels: 3, background: '#000000' } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .composite([{ input: band, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** A two-frame animated GIF: red then blue. */
export async function animatedGif(size = 40): Promise<Buffer> {
  const frame = (c: Rgb) => sharp({ create: { width: size, height: size, channels: 3, background: c } }).raw().toBuffer();
  const frames = Buffer.concat([await frame(RED), await frame(BLUE)]);
  return sharp(frames, { raw: { width: size, height: size * 2, channels: 3, pageHeight: size } }).gif({ loop: 0, delay: [200, 200] }).toBuffer();
}

export interface PhotoRig {
  dir: string;
  db: Db;
  storage: Storage;
  config: Config;
  photos: PhotoService;
  /** Writes `bytes` to a fresh temp file, as the SFTP layer hands over a complete upload. */
  staged(bytes: Uint8Array): string;
  upload(name: string, bytes: Uint8Array, account?: string): ReturnType<PhotoService['ingest']>;
  addUser(localId: string, first?: string, last?: string): void;
  close(): void;
}

/** A photo service on a real SQLite file and a real data folder in a temp dir. */
export function createRig(toml = '', hooks?: PhotoServiceOptions['hooks'], renderHold?: PhotoServiceOptions['renderHold']): PhotoRig {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-photos-'));
  const config = parseConfig(toml, '', dir);
  mkdirSync(config.data_dir, { recursive: true });
  const storage = openStorage(join(config.data_dir, 'idphotos.db'));
  const db = databaseOf(storage);
  const photos = createPhotoService({ storage, dataDir: config.data_dir, config: config.photos, maxBytes: config.sftp.max_photo_bytes, log: createLogger('photos'), hooks, renderHold });
  const staged = (bytes: Uint8Array) => {
    const path = join(dir, `upload-${randomUUID()}`);
    writeFileSync(path, bytes);
    return path;
  };
  return {
    dir,
    db,
    storage,
    config,
    photos,
    staged,
    upload: (name, bytes, account = 'district') => photos.ingest({ tempPath: staged(bytes), name, account, origin: 'sftp', remoteAddress: '127.0.0.1' }),
    addUser: (localId, first = 'Test', last = 'User') => insertUser(db, localId, first, last),
    close() {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function insertUser(db: Db, localId: string, first = 'Test', last = 'User', role: 'student' | 'staff' = 'student'): void {
  const at = new Date().toISOString();
  db.run(
    `INSERT INTO users (local_id, first_name, last_name, role, active, source, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 'test', ?, ?)`,
    localId, first, last, role, at, at,
  );
}

/** Mean colour of a region (default: the lower middle, below the dark top band of `picture`). */
export async function regionColour(image: Uint8Array, region?: { left: number; top: number; width: number; height: number }): Promise<Rgb> {
  const meta = await sharp(image).metadata();
  const w = meta.width!;
  const h = meta.height!;
  const r = region ?? { left: Math.floor(w * 0.375), top: Math.floor(h * 0.6), width: Math.max(1, Math.floor(w / 4)), height: Math.max(1, Math.floor(h / 5)) };
  // NB: sharp's stats() ignores extract() on the same pipeline: cut the region out first.
  const cut = await sharp(image).extract(r).png().toBuffer();
  const { channels } = await sharp(cut).stats();
  return { r: Math.round(channels[0].mean), g: Math.round(channels[1].mean), b: Math.round(channels[2].mean) };
}

export const centreColour = (image: Uint8Array) => regionColour(image);

export function closeTo(a: Rgb, b: Rgb, tolerance = 30): boolean {
  return Math.abs(a.r - b.r) <= tolerance && Math.abs(a.g - b.g) <= tolerance && Math.abs(a.b - b.b) <= tolerance;
}
