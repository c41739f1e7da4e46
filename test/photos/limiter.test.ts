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
});
