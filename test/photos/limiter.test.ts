import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLimiter } from '../../src/domain/photos/limiter.ts';

/** A task that runs until `finish` is called, recording when it started. */
function gated(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: async () => void (started.push(name), await done), finish: () => finish() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('render limiter', () => {
  it('runs at most its limit at once; urgent tasks go first', async () => {
    const limiter = createLimiter(2);
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((n) => gated(started, n));
    const runs = tasks.map((t) => limiter.run(t.task));
    const u = gated(started, 'urgent');
    const urgent = limiter.run(u.task, { urgent: true });
    await turn();
    expect(started).toEqual(['a', 'b']);
    expect(limiter.size).toBe(5);
    tasks[0]!.finish();
    await runs[0];
    await turn();
    // The urgent one takes the freed slot ahead of the two that waited longer.
    expect(started).toEqual(['a', 'b', 'urgent']);
    u.finish();
    await urgent;
    await turn();
    expect(started).toEqual(['a', 'b', 'urgent', 'c']);
    for (const t of tasks) t.finish();
    await Promise.all(runs);
    expect(started).toEqual(['a', 'b', 'urgent', 'c', 'd']);
    expect(limiter.size).toBe(0);
  });

  it('a stop refuses what waits, lets what runs finish, and takes nothing new', async () => {
    const closing = new AbortController();
    const limiter = createLimiter(1, closing.signal);
    const started: string[] = [];
    const a = gated(started, 'a');
    const running = limiter.run(a.task);
    const waiting = limiter.run(gated(started, 'b').task);
    await turn();
    closing.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'unavailable' });
    a.finish();
    await running;
    await expect(limiter.run(gated(started, 'c').task)).rejects.toMatchObject({ code: 'unavailable' });
    expect(started).toEqual(['a']);
    expect(limiter.size).toBe(0);
  });

  describe('while uploads arrive', () => {
    afterEach(() => void vi.useRealTimers());
    // NB: only the clock the limiter reads and its timers are fake: `turn` still runs.
    const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const hold = { quietMs: 100, maxHoldMs: 1000 };
    const DEFERRABLE = { deferrable: true };
    /** A limiter on the fake clock that has just seen an upload acknowledged. */
    const heldLimiter = (limit: number, closing?: AbortSignal) => {
      fakeClock();
      const limiter = createLimiter(limit, closing, hold);
      limiter.uploadAcknowledged();
      return { limiter, started: [] as string[] };
    };

    it('holds only deferrable tasks: one someone waits for goes ahead of them', async () => {
      const { limiter, started } = heldLimiter(1);
      const held = gated(started, 'held');
      const awaited = gated(started, 'awaited');
      const runs = [limiter.run(held.task, DEFERRABLE), limiter.run(awaited.task)];
      await turn();
      expect(started).toEqual(['awaited']);
      awaited.finish();
      await runs[1];
      await vi.advanceTimersByTimeAsync(100);
      await turn();
      expect(started).toEqual(['awaited', 'held']);
      held.finish();
      await runs[0];
      expect(limiter.size).toBe(0);
    });

    it('holds background tasks until the uploads pause; urgent ones start at once', async () => {
      const { limiter, started } = heldLimiter(2);
      const a = gated(started, 'a');
      const b = gated(started, 'b');
      const runs = [limiter.run(a.task, DEFERRABLE), limiter.run(b.task, DEFERRABLE)];
      await turn();
      expect(started).toEqual([]);
      await vi.advanceTimersByTimeAsync(60);
      limiter.uploadAcknowledged();
      await vi.advanceTimersByTimeAsync(60);
      await turn();
      // 120 ms after the first acknowledgement, but 60 after the last: still held.
      expect(started).toEqual([]);
      const u = gated(started, 'urgent');
      const urgent = limiter.run(u.task, { urgent: true });
      await turn();
      expect(started).toEqual(['urgent']);
      await vi.advanceTimersByTimeAsync(40);
      await turn();
      // The pause: the one free slot goes to the oldest, the other when the urgent one is done.
      expect(started).toEqual(['urgent', 'a']);
      u.finish();
      await urgent;
      await turn();
      expect(started).toEqual(['urgent', 'a', 'b']);
      a.finish();
      b.finish();
      await Promise.all(runs);
      expect(limiter.size).toBe(0);
    });

    it('holds a task no longer than maxHoldMs when the uploads never pause', async () => {
      const { limiter, started } = heldLimiter(2);
      const a = gated(started, 'a');
      const run = limiter.run(a.task, DEFERRABLE);
      for (let t = 0; t < 950; t += 50) {
        await vi.advanceTimersByTimeAsync(50);
        limiter.uploadAcknowledged();
      }
      await turn();
      expect(started).toEqual([]);
      await vi.advanceTimersByTimeAsync(50);
      await turn();
      expect(started).toEqual(['a']);
      // A task queued now is still held: it has not waited long itself.
      const b = gated(started, 'b');
      const later = limiter.run(b.task, DEFERRABLE);
      await turn();
      expect(started).toEqual(['a']);
      a.finish();
      b.finish();
      await vi.advanceTimersByTimeAsync(100);
      await Promise.all([run, later]);
      expect(started).toEqual(['a', 'b']);
    });

    it('a stop refuses the held tasks', async () => {
      const closing = new AbortController();
      const { limiter, started } = heldLimiter(2, closing.signal);
      const held = limiter.run(gated(started, 'a').task, DEFERRABLE);
      await turn();
      closing.abort();
      await expect(held).rejects.toMatchObject({ code: 'unavailable' });
      await vi.advanceTimersByTimeAsync(200);
      expect(started).toEqual([]);
      expect(limiter.size).toBe(0);
    });
  });
});
