import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { ensureWritableDir } from '../storage/files.ts';

export interface LogFileOptions {
  file: string;
  max_file_bytes: number;
  keep_files: number;
}

/**
 * The log file of `log.file`: JSON lines, renamed to `FILE.1` (and older ones to `.2` …) once it
 * reaches `max_file_bytes`, keeping `keep_files` old files. A stream in this process (not a pino
 * transport, whose worker thread the single executable's bundle cannot load).
 * Throws a one-line reason when the folder cannot be written.
 */
export function openLogFile(o: LogFileOptions): RotatingFileStream {
  const dir = dirname(o.file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  ensureWritableDir(dir, 'the folder of log.file');
  const stream = createStream(basename(o.file), { path: dir, size: `${o.max_file_bytes}B`, rotate: o.keep_files, mode: 0o600 });
  // NB: a failing disk must not end the appliance through an unhandled 'error' event: say it once.
  let told = false;
  stream.on('error', (err) => {
    if (!told) process.stderr.write(`idphotos: cannot write the log file ${o.file}: ${err.message}\n`);
    told = true;
  });
  return stream;
}

/** Writes what the stream still holds and closes it (at the end of `serve`). */
export function closeLogFile(stream: RotatingFileStream): Promise<void> {
  return new Promise((resolve) => stream.end(() => resolve()));
}
