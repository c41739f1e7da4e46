import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/domain/photos/limiter.ts';

/** A task that runs until `finish` is called, recording when it started. */
function gated(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: async () => void (started.push(name), await done), finish: () => finish() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('render limiter', () => {
  it('runs at most the limit asked when a task would start; urgent tasks go first; a higher limit starts more as tasks finish', async () => {
    let limit = 1;
    const limiter = createLimiter(() => limit);
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((n) => gated(started, n));
    const runs = tasks.map((t) => limiter.run(t.task));
    const u = gated(started, 'urgent');
    const urgent = limiter.run(u.task, { urgent: true });
    await turn();
    expect(started).toEqual(['a']);
    expect(limiter.size).toBe(5);

    limit = 2;
    tasks[0]!.finish();
    await runs[0];
    await turn();
    // Two slots now: the urgent one first, then the oldest waiting.
    expect(started).toEqual(['a', 'urgent', 'b']);
    limit = 1;
    u.finish();
    await urgent;
    await turn();
    expect(started).toEqual(['a', 'urgent', 'b']);
    tasks[1]!.finish();
    await runs[1];
    await turn();
    expect(started).toEqual(['a', 'urgent', 'b', 'c']);
    tasks[2]!.finish();
    tasks[3]!.finish();
    await Promise.all(runs);
    expect(limiter.size).toBe(0);
  });

  it('a stop refuses what waits, lets what runs finish, and takes nothing new', async () => {
    const closing = new AbortController();
    const limiter = createLimiter(() => 1, closing.signal);
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
});
