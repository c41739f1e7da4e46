import { AppError } from '../../shared/errors.ts';

/**
 * Runs at most `limit` tasks at once, in arrival order (urgent ones first). Image work is
 * CPU-bound in libvips threads; bounding it keeps the 2-core appliance responsive (SFTP and web
 * stay on the event loop, which this never blocks). Once `closing` is aborted, tasks still
 * waiting are refused (their work stays queued for the next start); running ones finish.
 *
 * NB: measured on 2 cores, 500 photos, same rounds: one render at a time while uploads arrive
 * (two otherwise) made the batch 6 % (1 client) to 15 % (4 clients) faster, but every display
 * image was on disk 3 s instead of 0.06 s after a one-client batch, and later in all; the
 * photos are shown at the acknowledgement either way. So the limit stays fixed.
 */
export interface Limiter {
  /** `urgent` waits at the front of the queue (someone is waiting to see the result), not at its end. */
  run<T>(task: () => Promise<T>, options?: { urgent?: boolean }): Promise<T>;
  /** Tasks running or waiting. */
  readonly size: number;
}

export function createLimiter(limit: number, closing?: AbortSignal): Limiter {
  let active = 0;
  /** Wakes a waiting task: with a slot (`active` counted for it), or without one (the abort). */
  const waiting: ((slot: boolean) => void)[] = [];
  closing?.addEventListener('abort', () => {
    for (const wake of waiting.splice(0)) wake(false);
  });
  const stopped = () => new AppError('unavailable', 'the appliance is stopping; this photo is finished at the next start');
  /** Hands a freed slot to the next waiting task (one slot is freed at a time). */
  const startWaiting = () => {
    if (!waiting.length || active >= limit) return;
    active++;
    waiting.shift()!(true);
  };
  return {
    get size() {
      return active + waiting.length;
    },
    async run<T>(task: () => Promise<T>, options?: { urgent?: boolean }): Promise<T> {
      if (closing?.aborted) throw stopped();
      if (active >= limit) {
        const slot = await new Promise<boolean>((resolve) => (options?.urgent ? waiting.unshift(resolve) : waiting.push(resolve)));
        if (closing?.aborted) {
          if (slot) {
            active--;
            startWaiting();
          }
          throw stopped();
        }
      } else active++;
      try {
        return await task();
      } finally {
        active--;
        startWaiting();
      }
    },
  };
}
