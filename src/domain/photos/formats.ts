/**
 * What the bytes of an upload really are, judged from their first and last bytes before any
 * decoder sees them: only JPEG, PNG and GIF ever reach sharp. Every refusal names what the file
 * is and what to do, because the extension proves nothing (a HEIC from a phone renamed .jpg is
 * the usual case).
 */
export type PhotoFormat = 'jpeg' | 'png' | 'gif';

/** How refusals name each format. */
export const FORMAT_NAMES: Record<PhotoFormat, string> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF' };

export type Sniffed = { ok: true; format: PhotoFormat } | { ok: false; reason: string };

const EXPORT = 'export it as JPEG';

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

function startsWith(bytes: Uint8Array, ...sig: number[]): boolean {
  return sig.every((b, i) => bytes[i] === b);
}

/** Identifies the format from the first bytes; refuses everything but JPEG, PNG and GIF. */
export function sniffFormat(bytes: Uint8Array): Sniffed {
  if (bytes.length === 0) return { ok: false, reason: 'the file is empty: upload it again' };
  if (startsWith(bytes, 0xff, 0xd8, 0xff)) return { ok: true, format: 'jpeg' };
  if (startsWith(bytes, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { ok: true, format: 'png' };
  const head6 = ascii(bytes, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return { ok: true, format: 'gif' };
  return { ok: false, reason: describeUnsupported(bytes) };
}

function describeUnsupported(bytes: Uint8Array): string {
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brand = ascii(bytes, 8, 12).toLowerCase();
    if (brand.startsWith('avi')) return `AVIF is not supported: ${EXPORT}`;
    if (/^(hei|hev|mif|msf)/.test(brand)) return `HEIC is not supported: ${EXPORT} (on an iPhone: Settings › Camera › Formats › Most Compatible)`;
    return `the file is a video or ISO media file (${brand.trim() || 'unknown brand'}), not a photo: ${EXPORT}`;
  }
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return `WebP is not supported: ${EXPORT}`;
  if (startsWith(bytes, 0x49, 0x49, 0x2a, 0x00) || startsWith(bytes, 0x4d, 0x4d, 0x00, 0x2a)) {
    return `TIFF (or a camera raw file) is not supported: ${EXPORT}`;
  }
  if (ascii(bytes, 0, 2) === 'BM') return `BMP is not supported: ${EXPORT}`;
  if (startsWith(bytes, 0x00, 0x00, 0x01, 0x00)) return `an icon (.ico) is not a photo: ${EXPORT}`;
  if (ascii(bytes, 0, 5) === '%PDF-') return `the file is a PDF, not an image: ${EXPORT}`;
  if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04)) return 'the file is a ZIP archive (or an Office document): unpack it and upload the photos one by one';
  if (startsWith(bytes, 0xff, 0x4f, 0xff, 0x51) || ascii(bytes, 4, 8) === 'jP  ') return `JPEG 2000 is not supported: ${EXPORT}`;
  if (startsWith(bytes, 0xff, 0x0a) || ascii(bytes, 4, 8) === 'JXL ') return `JPEG XL is not supported: ${EXPORT}`;
  if (looksLikeText(bytes)) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 256)).trimStart().toLowerCase();
    if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return `SVG drawings are not supported: ${EXPORT}`;
    if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'the file is not an image (it is a web page, perhaps an error page saved instead of the photo)';
    return 'the file is not an image (it starts with text)';
  }
  return 'the file is not a JPEG, PNG or GIF image (unknown format): export it as JPEG';
}

function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 512);
  let printable = 0;
  for (const b of sample) {
    if (b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f)) printable++;
    else if (b === 0) return false;
  }
  return printable / sample.length > 0.95;
}

/**
 * Cheap end-of-file check, so that a truncated upload is refused at CLOSE even before the
 * decoder runs: JPEG ends with EOI (FF D9), PNG with an IEND chunk, GIF with a 3B trailer.
 * Cameras and editors sometimes append bytes after the end marker, so the tail is searched.
 */
export function checkComplete(format: PhotoFormat, bytes: Uint8Array): string | undefined {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64 * 1024));
  const name = format === 'jpeg' ? 'JPEG' : format.toUpperCase();
  const truncated = `truncated ${name}: the file ends before the image does; upload it again`;
  if (format === 'jpeg') {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return undefined;
    return truncated;
  }
  if (format === 'png') {
    return Buffer.from(tail.buffer, tail.byteOffset, tail.length).includes('IEND') ? undefined : truncated;
  }
  // NB: a GIF's 3B trailer byte also occurs inside image data, so only the decoder can tell.
  return undefined;
}
