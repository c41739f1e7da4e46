import { AppError } from '../../shared/errors.ts';

/**
 * Runs at most `limit` tasks at once, in arrival order (urgent ones first). Image work is
 * CPU-bound in libvips threads; bounding it keeps the 2-core appliance responsive (SFTP and web
 * stay on the event loop, which this never blocks). Once `closing` is aborted, tasks still
 * waiting are refused (their work stays queued for the next start); running ones finish.
 *
 * Background tasks (not urgent) also wait while SFTP uploads keep arriving: they start once no
 * upload was acknowledged for `quietMs`, or once they have waited `maxHoldMs`. A batch then
 * uploads with both cores, and its renders follow it; someone waiting to see a photo (urgent)
 * never waits for the batch. NB: measured on 2 cores beside the code before, same rounds
 * (docs/BENCHMARKS.md): with the renders held, a batch took 0.44–0.49× the time with one client
 * and 0.66–0.69× with four, and its display images were all on disk later (17.8 s after a
 * 1-client batch of 1000, against 0.75 s). One render at a time while uploads arrived (two
 * otherwise), measured earlier, had made the batch only 6 % (1 client) to 15 % (4) faster.
 */
export interface Limiter {
  /** `urgent` waits at the front of the queue (someone is waiting to see the result), not at its end. */
  run<T>(task: () => Promise<T>, options?: { urgent?: boolean }): Promise<T>;
  /** An upload was acknowledged: background tasks hold until uploads pause. */
  uploadAcknowledged(): void;
  /** Tasks running or waiting. */
  readonly size: number;
}

export interface HoldOptions {
  /** How long without an acknowledged upload counts as a pause. */
  quietMs: number;
  /** The longest a background task is held: a delivery that never pauses still gets its renders. */
  maxHoldMs: number;
}

/**
 * A pause is 100 ms without an acknowledgement: a client's next file follows its last reply in
 * milliseconds. Held at most 30 s, so a long delivery's display images fall no further behind
 * (viewers get theirs rendered at once anyway).
 */
export const RENDER_HOLD: HoldOptions = { quietMs: 100, maxHoldMs: 30_000 };

interface Waiter {
  urgent: boolean;
  queuedAt: number;
  /** Wakes the task: with a slot (`active` counted for it), or without one (the abort). */
  wake(slot: boolean): void;
}

export function createLimiter(limit: number, closing?: AbortSignal, hold: HoldOptions = RENDER_HOLD): Limiter {
  let active = 0;
  let lastUpload = -Infinity;
  const waiting: Waiter[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  closing?.addEventListener('abort', () => {
    clearTimeout(timer);
    for (const w of waiting.splice(0)) w.wake(false);
  });
  const stopped = () => new AppError('unavailable', 'the appliance is stopping; this photo is finished at the next start');

  /** When a background task queued at `queuedAt` may start (now or earlier: it may). */
  const releaseAt = (queuedAt: number) => Math.min(lastUpload + hold.quietMs, queuedAt + hold.maxHoldMs);

  /** Hands free slots to waiting tasks, front first; a held front waits for its release time. */
  const startWaiting = () => {
    while (waiting.length && active < limit) {
      const front = waiting[0]!;
      const release = front.urgent ? 0 : releaseAt(front.queuedAt);
      const now = performance.now();
      if (release > now) {
        // NB: one timer for the front only: urgent tasks go in front of it and start at once,
        // and the ones behind it were queued later, so they are released no sooner.
        clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          startWaiting();
        }, Math.ceil(release - now));
        return;
      }
      waiting.shift();
      active++;
      front.wake(true);
    }
  };

  return {
    get size() {
      return active + waiting.length;
    },
    uploadAcknowledged() {
      lastUpload = performance.now();
    },
    async run<T>(task: () => Promise<T>, options?: { urgent?: boolean }): Promise<T> {
      if (closing?.aborted) throw stopped();
      const urgent = options?.urgent === true;
      const queuedAt = performance.now();
      const held = !urgent && (waiting.length > 0 || releaseAt(queuedAt) > queuedAt);
      if (active >= limit || held) {
        const slot = await new Promise<boolean>((wake) => {
          const w: Waiter = { urgent, queuedAt, wake };
          // Urgent ones in their own order, ahead of every background task.
          const firstBackground = urgent ? waiting.findIndex((x) => !x.urgent) : -1;
          if (firstBackground === -1) waiting.push(w);
          else waiting.splice(firstBackground, 0, w);
          startWaiting();
        });
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
