import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { AppError } from '../../shared/errors.ts';

/**
 * What a delivery zip may make the appliance hold. A picture-day package of a large district
 * is a few thousand JPEGs and one index; anything far beyond that is refused before a byte is
 * extracted, and each entry is checked again while it is read (yauzl's size validation), so a
 * header that lies about sizes cannot get past either.
 */
export interface ZipBudgets {
  maxEntries: number;
  /** Largest image entry, uncompressed (`sftp.max_photo_bytes`). */
  maxImageBytes: number;
  maxIndexBytes: number;
  /** All entries together, uncompressed. */
  maxTotalBytes: number;
  /** Uncompressed ÷ compressed, for entries over 1 MiB: photos barely compress; a zip bomb does. */
  maxRatio: number;
}

export const DEFAULT_BUDGETS: Omit<ZipBudgets, 'maxImageBytes'> = {
  maxEntries: 50_000,
  maxIndexBytes: 16 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxRatio: 100,
};

export interface ZipEntryInfo {
  name: string;
  size: number;
  /** For openReadStream while the zip stays open. */
  entry: yauzl.Entry;
}

const INDEX_NAMES = /(^|\/)(index\.txt|idlink\.txt)$/i;

/** Opens a zip for reading its central directory and entries; AppError('invalid') when it is not one. */
export async function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: true }, (err, zip) => {
      if (err || !zip) reject(new AppError('invalid', `the file is not a readable zip archive (${err?.message ?? 'unknown error'}); zip the delivery again`));
      else resolve(zip);
    });
  });
}

/**
 * Walks the central directory: every name must stay inside the zip (no `../`, no absolute
 * path, no backslash), within the budgets, and not encrypted. Returns the entries that are
 * files. Throws AppError('invalid') naming the first problem: the whole delivery is refused.
 */
export async function inspectZip(zip: yauzl.ZipFile, budgets: ZipBudgets): Promise<ZipEntryInfo[]> {
  if (zip.entryCount > budgets.maxEntries) throw new AppError('invalid', `the zip holds ${zip.entryCount} entries; a delivery may hold at most ${budgets.maxEntries}: split it`);
  const out: ZipEntryInfo[] = [];
  let total = 0;
  await eachEntry(zip, (entry) => {
    const name = entry.fileName;
    if (name.endsWith('/')) return;
    if (entry.isEncrypted()) throw new AppError('invalid', `${name} is encrypted; send the delivery without a password`);
    const limit = INDEX_NAMES.test(name) ? budgets.maxIndexBytes : budgets.maxImageBytes;
    if (entry.uncompressedSize > limit) throw new AppError('invalid', `${name} unpacks to ${entry.uncompressedSize} bytes, more than the ${limit} allowed for one ${INDEX_NAMES.test(name) ? 'index' : 'image'}`);
    if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize > budgets.maxRatio * Math.max(1, entry.compressedSize)) {
      throw new AppError('invalid', `${name} would unpack to ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times its packed size: this looks like a zip bomb, and the delivery is refused`);
    }
    total += entry.uncompressedSize;
    if (total > budgets.maxTotalBytes) throw new AppError('invalid', `the zip unpacks to more than ${budgets.maxTotalBytes} bytes; split the delivery`);
    out.push({ name, size: entry.uncompressedSize, entry });
  });
  return out;
}

/** Calls `fn` for every entry of the central directory in order (and awaits it). */
export function eachEntry(zip: yauzl.ZipFile, fn: (entry: yauzl.Entry) => void | Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.removeAllListeners('entry');
      zip.removeAllListeners('end');
      reject(translate(err));
    };
    zip.on('error', fail);
    zip.on('end', () => {
      zip.removeListener('error', fail);
      resolve();
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      Promise.resolve()
        .then(() => fn(entry))
        .then(() => zip.readEntry(), fail);
    });
    zip.readEntry();
  });
}

/** The bytes of an entry, at most `limit` of them. */
export function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > limit) return reject(new AppError('invalid', `${entry.fileName} is larger than ${limit} bytes`));
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(translate(err));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) stream.destroy(new AppError('invalid', `${entry.fileName} is larger than ${limit} bytes`));
        else chunks.push(c);
      });
      stream.on('error', (e) => reject(translate(e)));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Writes an entry to `dest` through a temporary name (a failed read leaves nothing there). */
export async function extractEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, dest: string): Promise<void> {
  const temp = `${dest}.part`;
  try {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err || !s ? reject(translate(err)) : resolve(s))));
    await pipeline(stream, createWriteStream(temp, { mode: 0o600 }));
    await rename(temp, dest);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw translate(err);
  }
}

/** yauzl's messages, in the terms of the person who sent the zip. */
function translate(err: unknown): Error {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/invalid relative path|absolute path|invalid characters in fileName/.test(message)) {
    return new AppError('invalid', `the zip holds an entry whose name would land outside the delivery (${message.replace(/^.*?: /, '')}); the delivery is refused: zip the folder again with relative names`);
  }
  if (/too many bytes|too few bytes|does not match|invalid/.test(message)) {
    return new AppError('invalid', `the zip is damaged or its sizes do not add up (${message}); zip the delivery again`);
  }
  return err instanceof Error ? err : new Error(message);
}
