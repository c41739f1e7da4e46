/**
 * Runs at most `limit` tasks at once, in arrival order. Image work is CPU-bound in libvips
 * threads; bounding it keeps the 2-core appliance responsive (SFTP and web stay on the event
 * loop, which this never blocks).
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running or waiting. */
  readonly size: number;
  readonly limit: number;
}

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    limit,
    get size() {
      return active + waiting.length;
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      // NB: a woken task inherits the slot of the one that finished, so `active` stays put.
      try {
        return await task();
      } finally {
        if (waiting.length) waiting.shift()!();
        else active--;
      }
    },
  };
}
