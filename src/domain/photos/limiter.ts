import { AppError } from '../../shared/errors.ts';

/**
 * Runs at most `limit` tasks at once, in arrival order (urgent ones first). Image work is CPU-bound in libvips
 * threads; bounding it keeps the 2-core appliance responsive (SFTP and web stay on the event
 * loop, which this never blocks). Once `closing` is aborted, tasks still waiting are refused
 * (their uploads stay pending and the next start finishes them); running ones finish.
 */
export interface Limiter {
  /** `urgent` waits at the front of the queue (someone is waiting to see the result), not at its end. */
  run<T>(task: () => Promise<T>, options?: { urgent?: boolean }): Promise<T>;
  /** Tasks running or waiting. */
  readonly size: number;
  readonly limit: number;
}

export function createLimiter(limit: number, closing?: AbortSignal): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  closing?.addEventListener('abort', () => {
    for (const wake of waiting.splice(0)) wake();
  });
  const stopped = () => new AppError('unavailable', 'the appliance is stopping; this photo is finished at the next start');
  return {
    limit,
    get size() {
      return active + waiting.length;
    },
    async run<T>(task: () => Promise<T>, options?: { urgent?: boolean }): Promise<T> {
      if (closing?.aborted) throw stopped();
      if (active >= limit) {
        await new Promise<void>((resolve) => (options?.urgent ? waiting.unshift(resolve) : waiting.push(resolve)));
        // Woken by the abort rather than by a finished task: no slot was handed over.
        if (closing?.aborted) throw stopped();
      } else active++;
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
