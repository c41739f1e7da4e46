import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Parser } from 'csv-parse';
import { AppError } from '../../shared/errors.ts';
import { decodeSample, decodeStream, detectDelimiter, detectEncoding, readFileFacts, type FileFacts, type TextEncoding } from './decode.ts';

/** The largest record accepted; beyond it the file is refused (an unclosed quote swallows the rest). */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

export interface CsvFile extends FileFacts {
  encoding: TextEncoding;
  delimiter: ',' | ';' | '\t';
}

/**
 * Reads what is needed to parse a file: hash, size, encoding and delimiter (`known` saves a
 * second read when the facts were already taken). Throws AppError('invalid') for an empty or
 * non-text file.
 */
export async function inspectCsv(path: string, known?: FileFacts): Promise<CsvFile> {
  const facts = known ?? (await readFileFacts(path));
  if (facts.bytes === 0) throw new AppError('invalid', 'the file is empty (0 bytes): the export produced nothing');
  const encoding = detectEncoding(facts);
  const delimiter = detectDelimiter(decodeSample(facts.sample, encoding));
  return { ...facts, encoding, delimiter };
}

/**
 * Streams the records of a CSV file to `onRecord` with the line each starts on. Empty lines
 * are skipped; every value is a string (IDs keep their leading zeros). Throws AppError('invalid')
 * when the file is not CSV that can be parsed (e.g. an unclosed quote), and whatever
 * `onRecord` throws (the read stops there).
 */
export async function readCsv(file: CsvFile, path: string, onRecord: (fields: string[], line: number) => void): Promise<void> {
  const parser = new NumberedParser({
    delimiter: file.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    bom: true,
  });
  // NB: csv-parse counts CR and LF of a CRLF inside a quoted value as two lines; `skew`
  // corrects its running count so the reported line is where the record starts in an editor.
  let skew = 0;
  let next = 1;
  let failed = false;
  parser.on('data', ({ record, lines }: Numbered) => {
    let breaks = 0;
    for (const value of record) {
      if (value.includes('\n') || value.includes('\r')) {
        skew += value.split('\r\n').length - 1;
        breaks += (value.match(/\r\n|\r|\n/g) ?? []).length;
      }
    }
    const end = lines - skew;
    next = end + 1;
    if (failed) return;
    try {
      onRecord(record, end - breaks);
    } catch (err) {
      // A handler may stop the read (e.g. too many rows): the pipeline rejects with its error.
      failed = true;
      parser.destroy(err as Error);
    }
  });
  try {
    // NB: csv-parse works on bytes and decodes UTF-8 itself; giving it text would make it
    // encode every chunk back to UTF-8 first. Other encodings go through iconv-lite.
    // NB: 64 KB (a few hundred rows) per chunk: csv-parse and the row checks run a whole chunk
    // without a break, and at 1 MB that held the event loop ~100 ms each time.
    const source = createReadStream(path, { highWaterMark: 64 * 1024 });
    if (file.encoding === 'utf-8') await pipeline(source, parser);
    else await pipeline(source, decodeStream(file.encoding), parser);
  } catch (err) {
    throw csvError(err, next);
  }
}

interface Numbered {
  record: string[];
  /** csv-parse's running line count when the record ended. */
  lines: number;
}

/**
 * csv-parse's stream, with the line count attached to each record as it is pushed.
 * NB: its `info: true` option does the same by copying its whole info object for every
 * record, which took more time than the parsing itself on a 100,000-row file.
 */
class NumberedParser extends Parser {
  override push(record: unknown, encoding?: BufferEncoding): boolean {
    return super.push(record === null ? null : { record, lines: this.info.lines }, encoding);
  }
}

/** NB: csv-parse reports where it gave up; the record began after the last good one. */
function csvError(err: unknown, startLine: number): Error {
  const e = err as { code?: string; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
    const line = `line ${startLine}: `;
    if (e.code === 'CSV_MAX_RECORD_SIZE') {
      return new AppError('invalid', `${line}a record is longer than ${MAX_RECORD_BYTES / 1024 / 1024} MB; an opening quote is probably never closed`);
    }
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      return new AppError('invalid', `${line}a quoted value is never closed (an odd number of " characters); fix the quote and export again`);
    }
    return new AppError('invalid', `${line}not valid CSV: ${e.message}`);
  }
  return err as Error;
}
