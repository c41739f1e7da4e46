import { createHash } from 'node:crypto';
import sharp from 'sharp';

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A real JPEG portrait-sized image whose bytes depend on `seed` (a gradient plus a few seeded
 * blocks), so every upload is distinct content and cheap to make.
 */
export async function seededJpeg(seed: number, width = 240, height = 300): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = (seed * 2654435761) >>> 0;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const base = [next() >>> 24, next() >>> 24, next() >>> 24];
  for (let y = 0; y < height; y++) {
    for (let c = 0; c < width; c++) {
      const i = (y * width + c) * 3;
      raw[i] = (base[0]! + y) & 255;
      raw[i + 1] = (base[1]! + c) & 255;
      raw[i + 2] = (base[2]! + ((y * c) >> 6)) & 255;
    }
  }
  // A seeded noise patch keeps two seeds from ever producing the same file.
  for (let i = 0; i < 64; i++) raw[(next() % (width * height)) * 3] = next() >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

/** A native-layout students.csv: every ID, names stamped with the generation `gen`. */
export function rosterCsv(ids: readonly string[], gen: number): string {
  const lines = ['local_id,first_name,last_name,grade,building'];
  for (const [i, id] of ids.entries()) lines.push(`${id},Gen${gen},Student${i},${1 + (i % 12)},HS`);
  return lines.join('\r\n') + '\r\n';
}
