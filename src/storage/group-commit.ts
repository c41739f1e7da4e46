import { open } from 'node:fs/promises';
import { AppError } from '../shared/errors.ts';

/**
 * A group commit for SQLite in WAL mode. A transaction committed with `synchronous = NORMAL` is
 * in the write-ahead log but not yet on disk; one fsync of the log file makes it, and every
 * commit before it, survive a power cut. better-sqlite3 would run that fsync inside the commit,
 * on the event loop, once per transaction; here it runs in libuv's thread pool, and callers
 * that ask while one is under way share the next one: N uploads closing at once wait for one or
 * two fsyncs, not N.
 *
 * NB: a failed fsync is final for the process: Linux marks the pages it could not write clean,
 * so the next fsync succeeds although the commits before it may be gone at the next power cut,
 * and every later commit with them (the log's checksums run on from frame to frame). From then on
 * every caller is refused; a restart reads back what is really on disk.
 *
 * NB: the log is opened by name each time: SQLite may delete and recreate it (the last connection
 * to close removes it, after a checkpoint that fsyncs the database). No log then means every
 * commit is in the database file, which is fsynced instead, to be sure.
 */
export function createGroupSync(dbPath: string): () => Promise<void> {
  // An in-memory database has nothing to make durable.
  if (dbPath === '' || dbPath === ':memory:') return () => Promise.resolve();
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let failed: NodeJS.ErrnoException | undefined;

  const fsyncOnce = async (): Promise<void> => {
    const handle = await open(`${dbPath}-wal`, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return open(dbPath, 'r');
      throw err;
    });
    try {
      if (failed) throw refusal(failed);
      await handle.sync().catch((err: NodeJS.ErrnoException) => {
        failed ??= err;
        throw err;
      });
    } finally {
      await handle.close();
    }
  };

  const start = (): Promise<void> => {
    const p = fsyncOnce().finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
  };

  return () => {
    if (failed) return Promise.reject(refusal(failed));
    if (!running) return start();
    // The fsync under way may have begun before this caller's commit reached the log: wait for
    // the next one, which every caller arriving meanwhile shares.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      });
    return queued;
  };
}

function refusal(cause: NodeJS.ErrnoException): AppError {
  return new AppError('unavailable', `the disk reported an error while saving (${cause.code ?? cause.message}): nothing more can be stored safely until the appliance is restarted; check the disk and its log`);
}
