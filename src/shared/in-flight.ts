/**
 * Work under way that a stop must wait for: `track(p)` returns `p` unchanged and remembers it
 * until it settles; `settled()` resolves once everything tracked so far has settled.
 */
export interface InFlight {
  track<T>(work: Promise<T>): Promise<T>;
  settled(): Promise<void>;
  readonly size: number;
}

export function createInFlight(): InFlight {
  const works = new Set<Promise<unknown>>();
  return {
    track(work) {
      works.add(work);
      const done = () => works.delete(work);
      work.then(done, done);
      return work;
    },
    async settled() {
      await Promise.allSettled([...works]);
    },
    get size() {
      return works.size;
    },
  };
}
