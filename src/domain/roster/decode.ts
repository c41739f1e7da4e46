import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import { AppError } from '../../shared/errors.ts';

/** What one read of a file tells us before parsing it. */
export interface FileFacts {
  sha256: string;
  bytes: number;
  /** The first bytes, for encoding and delimiter sniffing. */
  sample: Buffer;
  /** Whether the whole file is valid UTF-8 (decides UTF-8 vs Windows-1252 when there is no BOM). */
  utf8: boolean;
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

const SAMPLE_BYTES = 64 * 1024;

/** Hashes the file and checks UTF-8 validity in one streaming pass (constant memory). */
export async function readFileFacts(path: string): Promise<FileFacts> {
  const hash = createHash('sha256');
  let valid = true;
  // The bytes of a character the last chunk ended inside of.
  let carry: Buffer = Buffer.alloc(0);
  let bytes = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    if (headBytes < SAMPLE_BYTES) {
      head.push(chunk.subarray(0, SAMPLE_BYTES - headBytes));
      headBytes += Math.min(chunk.length, SAMPLE_BYTES - headBytes);
    }
    if (valid) {
      // NB: checked in place (isUtf8), not decoded: decoding made a string of every chunk, 25 ms
      // of a 7.6 MB file and large strings for the garbage collector.
      const bytesNow = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const whole = wholeCharacters(bytesNow);
      valid = isUtf8(bytesNow.subarray(0, whole));
      carry = bytesNow.subarray(whole);
    }
  }
  // A file that ends inside a character is not UTF-8.
  if (carry.length) valid = false;
  return { sha256: hash.digest('hex'), bytes, sample: Buffer.concat(head), utf8: valid };
}

/**
 * How many bytes of `buf` end on a character boundary: all of it, unless it ends inside a
 * multi-byte UTF-8 sequence, whose bytes are then left for the next chunk. Bytes that are not
 * UTF-8 at all are left in, for isUtf8 to refuse.
 */
export function wholeCharacters(buf: Uint8Array): number {
  let lead = buf.length - 1;
  while (lead >= 0 && buf.length - lead < 4 && (buf[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return buf.length;
  const b = buf[lead]!;
  const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return buf.length - lead < need ? lead : buf.length;
}

/**
 * Picks the encoding: a byte-order mark wins (UTF-8, or UTF-16 as Excel's "Unicode Text"
 * writes it); otherwise UTF-8 when the whole file is valid UTF-8, else Windows-1252, which
 * is what Excel's plain "CSV" writes on US Windows. Throws for files that are not text.
 */
export function detectEncoding(facts: FileFacts): TextEncoding {
  const s = facts.sample;
  if (s[0] === 0xef && s[1] === 0xbb && s[2] === 0xbf) return 'utf-8';
  if (s[0] === 0xff && s[1] === 0xfe) return 'utf-16le';
  if (s[0] === 0xfe && s[1] === 0xff) return 'utf-16be';
  if (s[0] === 0x50 && s[1] === 0x4b && s[2] === 0x03 && s[3] === 0x04) {
    throw new AppError('invalid', 'this is an Excel workbook or a zip archive, not CSV text: in Excel use Save As → "CSV UTF-8"');
  }
  if (s[0] === 0xd0 && s[1] === 0xcf && s[2] === 0x11 && s[3] === 0xe0) {
    throw new AppError('invalid', 'this is an old Excel workbook (.xls), not CSV text: in Excel use Save As → "CSV UTF-8"');
  }
  if (s.includes(0)) {
    throw new AppError(
      'invalid',
      'the file cannot be read as text (it contains NUL bytes: binary data, or UTF-16 without a byte-order mark); export it as "CSV UTF-8"',
    );
  }
  return facts.utf8 ? 'utf-8' : 'windows-1252';
}

/** Decodes the sample (for sniffing only; the file itself is decoded as a stream). */
export function decodeSample(sample: Buffer, encoding: TextEncoding): string {
  return iconv.decode(sample, encoding);
}

/** A transform stream from bytes to text; strips a byte-order mark. */
export function decodeStream(encoding: TextEncoding): NodeJS.ReadWriteStream {
  return iconv.decodeStream(encoding);
}

/**
 * Comma, semicolon or tab: the one that occurs most often outside quotes in the first line.
 * Excel writes semicolons where the decimal separator is a comma, and tabs for "Unicode Text".
 */
export function detectDelimiter(text: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  if (counts['\t'] > counts[','] && counts['\t'] >= counts[';']) return '\t';
  if (counts[';'] > counts[',']) return ';';
  return ',';
}
