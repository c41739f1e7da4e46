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
