import { setImmediate } from 'node:timers';

/**
 * Runs at most `concurrency` tasks at once, taking turns between keys (source addresses):
 * each key's tasks run in order, and a key with a hundred waiting gets one turn, then every
 * other key with work gets one. So a flood of sign-in checks from one address holds another
 * address's check up by at most one check per running slot, not by the whole flood.
 */
export function createFairQueue(concurrency: number) {
  const queues = new Map<string, Array<() => void>>();
  /** Keys with waiting tasks, in turn order. */
  const turns: string[] = [];
  let running = 0;

  const next = (): void => {
    while (running < concurrency && turns.length) {
      const key = turns.shift()!;
      const queue = queues.get(key)!;
      const start = queue.shift()!;
      if (queue.length) turns.push(key);
      else queues.delete(key);
      running++;
      start();
    }
  };

  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = () => {
          task()
            .then(resolve, reject)
            .finally(() => {
              running--;
              // NB: argon2 (hash-wasm) blocks the thread while it runs; started straight from
              // this callback the next check would follow without the event loop ever reading
              // another address's request. A turn of the loop between checks lets it queue.
              setImmediate(next);
            });
        };
        const queue = queues.get(key);
        if (queue) queue.push(start);
        else {
          queues.set(key, [start]);
          turns.push(key);
        }
        next();
      });
    },
  };
}
