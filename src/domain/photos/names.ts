import { AppError } from '../../shared/errors.ts';

/**
 * The naming rule districts rely on: `{LocalID}.jpg|.jpeg|.png|.gif`. The Local ID part is taken
 * exactly as written (case, zeros and spaces included) — a near miss is kept unmatched with a
 * hint, never corrected. Only the extension's case is ignored (`.JPG` from cameras).
 */
export const PHOTO_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.gif'] as const;

const SHAPE = 'name photos {LocalID}.jpg, .jpeg, .png or .gif (for example S12345.jpg)';
const MAX_NAME_BYTES = 255;

const OTHER_IMAGE_EXTENSIONS: Record<string, string> = {
  '.heic': 'HEIC is not supported: export as JPEG',
  '.heif': 'HEIC is not supported: export as JPEG',
  '.avif': 'AVIF is not supported: export as JPEG',
  '.webp': 'WebP is not supported: export as JPEG',
  '.tif': 'TIFF is not supported: export as JPEG',
  '.tiff': 'TIFF is not supported: export as JPEG',
  '.bmp': 'BMP is not supported: export as JPEG',
  '.jfif': 'rename .jfif files to .jpg',
};

export interface PhotoName {
  /** The Local ID the photo is for, exactly as in the name. */
  localId: string;
  /** Lower-case extension with its dot. */
  extension: string;
}

/** Splits a photo file name, or throws AppError('invalid') saying what is allowed. */
export function parsePhotoName(name: string): PhotoName {
  const dot = name.lastIndexOf('.');
  const extension = dot >= 0 ? name.slice(dot).toLowerCase() : '';
  const localId = dot >= 0 ? name.slice(0, dot) : name;
  if (name.includes('/') || name.includes('\\')) throw new AppError('invalid', `"${name}": folders are not allowed here; ${SHAPE}`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new AppError('invalid', `"${printable(name)}" contains control characters; ${SHAPE}`);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new AppError('invalid', `"${name.slice(0, 40)}…" is longer than ${MAX_NAME_BYTES} bytes; ${SHAPE}`);
  if (!(PHOTO_EXTENSIONS as readonly string[]).includes(extension)) {
    const other = OTHER_IMAGE_EXTENSIONS[extension];
    if (other) throw new AppError('invalid', `"${name}": ${other}, and ${SHAPE}`);
    throw new AppError('invalid', `"${name}" is not a photo name: ${SHAPE}`);
  }
  if (localId.trim() === '') throw new AppError('invalid', `"${name}" has no Local ID before the extension; ${SHAPE}`);
  return { localId, extension };
}

function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, '?');
}
