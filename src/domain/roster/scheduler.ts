import type { Logger } from '../../shared/logger.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { DataFileJob, DataFileRegistry } from './file-kinds.ts';
import { createInFlight } from '../../shared/in-flight.ts';

export interface ImportSchedulerOptions {
  /** Wait this long after the last upload before importing, so files sent together go in order. */
  quietMs: number;
  registry: DataFileRegistry;
  log: Logger;
}

/**
 * Runs data-file imports after a quiet period. Every commit restarts the wait; when it ends,
 * the files run one after another in the order they were uploaded (students.csv before
 * staff.csv if sent in that order). A file uploaded twice in the window runs once, with the
 * newer content, in its newer place.
 */
export class ImportScheduler {
  private pending = new Map<string, DataFileJob>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly tracked = createInFlight();

  constructor(private readonly opts: ImportSchedulerOptions) {}

  enqueue(job: DataFileJob): void {
    if (this.stopped) return;
    const kind = this.opts.registry.find(job.name);
    if (!kind?.run) return;
    this.pending.delete(job.name);
    this.pending.set(job.name, job);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.opts.quietMs);
  }

  /** Work that may still enqueue files (the start-up catch-up); `idle` waits for it too. */
  track(work: Promise<unknown>): void {
    this.tracked.track(work);
  }

  /** Resolves when nothing is waiting or running (tests, and the CLI after a scan). */
  async idle(): Promise<void> {
    while (this.tracked.size) await this.tracked.settled();
    while (this.timer || this.pending.size) {
      await new Promise((r) => setTimeout(r, 20));
      await this.running;
    }
    await this.running;
  }

  /** Stops taking work; an import that is running finishes. Files not yet imported stay in the folder for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.running;
  }

  private flush(): void {
    this.timer = undefined;
    const jobs = [...this.pending.values()];
    this.pending.clear();
    this.running = this.running.then(async () => {
      for (const job of jobs) {
        if (this.stopped) return;
        const kind = this.opts.registry.find(job.name);
        try {
          await kind?.run?.(job);
        } catch (err) {
          this.opts.log.error({ file: job.name, origin: job.origin, err: errorMessage(err) }, `import of ${job.name} failed: ${errorMessage(err)}`);
        }
      }
    });
  }
}
