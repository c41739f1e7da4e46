import { AppError } from '../../shared/errors.ts';

/**
 * Runs at most `limit` tasks at once: urgent ones first, then the others someone waits for, then
 * deferrable ones, each kind in arrival order. Image
 * work is CPU-bound in libvips threads; bounding it keeps the 2-core appliance responsive (SFTP
 * and web stay on the event loop, which this never blocks). Once `closing` is aborted, tasks
 * still waiting are refused (their work stays queued for the next start); running ones finish.
 *
 * A `deferrable` task is one nobody waits for (the render of an upload already acknowledged):
 * while SFTP uploads keep arriving it waits, and starts once no upload was acknowledged for
 * `quietMs`, or once it has waited `maxHoldMs`; any other task goes ahead of it. A batch then
 * uploads with both cores, and its renders follow it. NB: measured on 2 cores beside the code
 * before, same rounds (docs/BENCHMARKS.md): with the renders held, a batch took 0.44–0.49× the
 * time with one client and 0.66–0.69× with four, and its display images were all on disk later
 * (17.8 s after a 1-client batch of 1000, against 0.75 s). One render at a time while uploads
 * arrived (two otherwise), measured earlier, had made the batch only 6 % (1 client) to 15 % (4)
 * faster.
 */
export interface Limiter {
  /**
   * `urgent`: someone is waiting to see the result; it goes ahead of every task not urgent.
   * `deferrable`: nobody waits for it; it holds while uploads arrive.
   */
  run<T>(task: () => Promise<T>, options?: RunOptions): Promise<T>;
  /** An upload was acknowledged: deferrable tasks hold until uploads pause. */
  uploadAcknowledged(): void;
  /** Tasks running or waiting. */
  readonly size: number;
}

export interface RunOptions {
  urgent?: boolean;
  deferrable?: boolean;
}

export interface HoldOptions {
  /** How long without an acknowledged upload counts as a pause. */
  quietMs: number;
  /** The longest a deferrable task is held: a delivery that never pauses still gets its renders. */
  maxHoldMs: number;
}

/**
 * A pause is 100 ms without an acknowledgement: a client's next file follows its last reply in
 * milliseconds. Held at most 30 s, so a long delivery's display images fall no further behind
 * (viewers get theirs rendered at once anyway).
 */
export const RENDER_HOLD: HoldOptions = { quietMs: 100, maxHoldMs: 30_000 };

interface Waiter {
  queuedAt: number;
  /** Wakes the task: with a slot (`active` counted for it), or without one (the abort). */
  wake(slot: boolean): void;
}

export function createLimiter(limit: number, closing?: AbortSignal, hold: HoldOptions = RENDER_HOLD): Limiter {
  let active = 0;
  let lastUpload = -Infinity;
  /** Waiting tasks someone waits for: urgent ones first, then the rest in arrival order. */
  const waiting: (Waiter & { urgent: boolean })[] = [];
  /** Waiting deferrable tasks, in arrival order (so the front is the first to be released). */
  const deferred: Waiter[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  closing?.addEventListener('abort', () => {
    clearTimeout(timer);
    for (const w of [...waiting.splice(0), ...deferred.splice(0)]) w.wake(false);
  });
  const stopped = () => new AppError('unavailable', 'the appliance is stopping; this photo is finished at the next start');

  /** When a deferrable task queued at `queuedAt` may start (now or earlier: it may). */
  const releaseAt = (queuedAt: number) => Math.min(lastUpload + hold.quietMs, queuedAt + hold.maxHoldMs);

  /** Hands free slots to waiting tasks; a held front of `deferred` gets a timer for its release. */
  const startWaiting = () => {
    while (active < limit) {
      let next: Waiter | undefined = waiting.shift();
      if (!next && deferred.length) {
        const wait = releaseAt(deferred[0]!.queuedAt) - performance.now();
        if (wait > 0) {
          clearTimeout(timer);
          timer = setTimeout(() => {
            timer = undefined;
            startWaiting();
          }, Math.ceil(wait));
          return;
        }
        next = deferred.shift();
      }
      if (!next) return;
      active++;
      next.wake(true);
    }
  };

  return {
    get size() {
      return active + waiting.length + deferred.length;
    },
    uploadAcknowledged() {
      lastUpload = performance.now();
    },
    async run<T>(task: () => Promise<T>, options: RunOptions = {}): Promise<T> {
      if (closing?.aborted) throw stopped();
      const slot = await new Promise<boolean>((wake) => {
        const w = { queuedAt: performance.now(), wake };
        if (options.urgent) {
          // Urgent ones in their own order, ahead of the others.
          const firstNotUrgent = waiting.findIndex((x) => !x.urgent);
          waiting.splice(firstNotUrgent === -1 ? waiting.length : firstNotUrgent, 0, { ...w, urgent: true });
        } else if (options.deferrable) deferred.push(w);
        else waiting.push({ ...w, urgent: false });
        // NB: synchronous: a task that finds a free slot takes it before the caller goes on.
        startWaiting();
      });
      if (closing?.aborted) {
        if (slot) {
          active--;
          startWaiting();
        }
        throw stopped();
      }
      try {
        return await task();
      } finally {
        active--;
        startWaiting();
      }
    },
  };
}
