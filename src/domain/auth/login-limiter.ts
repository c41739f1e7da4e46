/**
 * Failed sign-ins per source IP in a sliding window. Once an address reaches `maxFailures`
 * within `windowSeconds`, it is refused until its oldest failure leaves the window. Only the
 * address is slowed down, never the account: a guessing neighbour cannot lock staff out.
 * Kept in memory: a restart forgets it, which costs an attacker a restart they cannot cause.
 */
export function createLoginLimiter(options: { maxFailures: number; windowSeconds: number; maxTracked?: number }) {
  const windowMs = options.windowSeconds * 1000;
  const maxTracked = options.maxTracked ?? 10_000;
  const failures = new Map<string, number[]>();
  /** Checks under way per address: they count as failures until they turn out otherwise. */
  const checking = new Map<string, number>();

  const recent = (ip: string, now: number): number[] => {
    const list = (failures.get(ip) ?? []).filter((t) => now - t < windowMs);
    if (list.length) failures.set(ip, list);
    else failures.delete(ip);
    return list;
  };

  return {
    /** Seconds until `ip` may try again; 0 when it may try now. */
    retryAfter(ip: string, now = Date.now()): number {
      const list = recent(ip, now);
      if (list.length < options.maxFailures) return 0;
      return Math.max(1, Math.ceil((list[list.length - options.maxFailures]! + windowMs - now) / 1000));
    },

    /**
     * Starts a check for `ip`, or returns the seconds to wait: checks under way count as if
     * they had failed, so parallel guesses cannot all be checked before the first failure is
     * counted. Call the returned `end` once, with whether it failed.
     */
    begin(ip: string, now = Date.now()): { end: (failed: boolean, at?: number) => void } | { retryAfter: number } {
      const list = recent(ip, now);
      const busy = checking.get(ip) ?? 0;
      if (list.length + busy >= options.maxFailures) {
        // Waiting for a check under way says little: its outcome decides; a second is honest.
        return { retryAfter: list.length >= options.maxFailures ? this.retryAfter(ip, now) : 1 };
      }
      checking.set(ip, busy + 1);
      let ended = false;
      return {
        end: (failed, at = Date.now()) => {
          if (ended) return;
          ended = true;
          const n = (checking.get(ip) ?? 1) - 1;
          if (n > 0) checking.set(ip, n);
          else checking.delete(ip);
          if (failed) this.fail(ip, at);
        },
      };
    },

    fail(ip: string, now = Date.now()): void {
      const list = recent(ip, now);
      list.push(now);
      failures.set(ip, list.slice(-options.maxFailures));
      if (failures.size > maxTracked) {
        // The oldest-inserted addresses go first; a flood of sources cannot exhaust memory.
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
    },
  };
}

export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
