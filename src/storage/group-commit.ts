import { open } from 'node:fs/promises';

/**
 * A group commit for SQLite in WAL mode. A transaction committed with `synchronous = NORMAL` is
 * in the write-ahead log but not yet on disk; one fsync of the log file makes it, and every
 * commit before it, survive a power cut. better-sqlite3 would run that fsync inside the commit,
 * on the event loop, once per transaction; here it runs in libuv's thread pool, and callers
 * that ask while one is under way share the next one: N uploads closing at once wait for one or
 * two fsyncs, not N.
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

  const fsyncOnce = async (): Promise<void> => {
    const handle = await open(`${dbPath}-wal`, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return open(dbPath, 'r');
      throw err;
    });
    try {
      await handle.sync();
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
