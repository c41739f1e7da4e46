import { describe, expect, it } from 'vitest';
import { createFairQueue } from '../../src/domain/auth/fair-queue.ts';
import { createLoginLimiter } from '../../src/domain/auth/login-limiter.ts';

describe('login limiter: checks under way', () => {
  it('counts checks under way as failures until they end, so parallel guesses stop at the limit', () => {
    const limiter = createLoginLimiter({ maxFailures: 3, windowSeconds: 60 });
    const checks = [limiter.begin('198.51.100.1', 0), limiter.begin('198.51.100.1', 0), limiter.begin('198.51.100.1', 0)];
    expect(checks.every((c) => 'end' in c)).toBe(true);
    expect(limiter.begin('198.51.100.1', 0)).toEqual({ retryAfter: 1 });
    expect('end' in limiter.begin('198.51.100.2', 0)).toBe(true);
    // A success frees its place; failures keep theirs for the window.
    (checks[0] as { end: (failed: boolean) => void }).end(false);
    const again = limiter.begin('198.51.100.1', 0);
    expect('end' in again).toBe(true);
    for (const c of [checks[1], checks[2], again]) (c as { end: (failed: boolean, at: number) => void }).end(true, 0);
    (checks[1] as { end: (failed: boolean, at: number) => void }).end(true, 0); // a second end changes nothing
    expect(limiter.begin('198.51.100.1', 1000)).toEqual({ retryAfter: 59 });
    expect('end' in limiter.begin('198.51.100.1', 61_000)).toBe(true);
  });
});

describe('fair queue', () => {
  it('runs at most `concurrency` at once and takes turns by key, each key in order', async () => {
    const q = createFairQueue(1);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      order.push(name);
      running--;
      return name;
    };
    const flood = Array.from({ length: 6 }, (_, i) => q.run('flood', task(`f${i}`)));
    const other = q.run('other', task('o0'));
    expect(await Promise.all([...flood, other])).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'o0']); // each caller gets its own result
    expect(most).toBe(1);
    // f0 was running and f1 already waiting when o0 arrived: o0 came next, not after f5.
    expect(order.indexOf('o0')).toBe(2);
  });

  it('passes a task’s failure to its caller and carries on', async () => {
    const q = createFairQueue(2);
    const failing = q.run('a', () => Promise.reject(new Error('no')));
    await expect(failing).rejects.toThrow('no');
    expect(await q.run('a', async () => 'next')).toBe('next');
  });
});
